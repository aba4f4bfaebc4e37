/**
 * The soak's HTTP client: a plain `fetch` against the API process that keeps retrying what is
 * safe to retry while processes die underneath (a GET, a request carrying an Idempotency-Key, or
 * one whose repeat is harmless), and gives up after a bounded time.
 */
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  json: Record<string, unknown>;
  /** The body as sent (a streamed chat's Server-Sent Events). */
  text: string;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Send this Idempotency-Key ('auto' = a fresh one kept across retries). */
  idem?: string | 'auto';
  headers?: Record<string, string>;
  /** Retry on 5xx, 409-in-flight and connection errors (default: GET or keyed requests). */
  retry?: boolean;
  /** How long retries may go on (default 180 s: longer than a Postgres or Temporal restart). */
  retryForMs?: number;
}

/** A transient answer: the platform or one of its services was down at that moment. */
const transient = (r: Reply) =>
  r.status >= 500 || r.status === 429 || (r.status === 409 && r.json.code === 'IDEMPOTENCY_IN_FLIGHT');

function parseJson(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return { raw: text };
  }
}

export function httpClient(baseUrl: () => string) {
  let requests = 0;
  let transientAnswers = 0;

  async function once(method: string, path: string, opts: CallOptions, idem?: string): Promise<Reply> {
    requests++;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key) headers['x-api-key'] = opts.key;
    if (idem) headers['idempotency-key'] = idem;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    return { status: res.status, json: parseJson(text), text };
  }

  async function call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
    const idem = opts.idem === 'auto' ? randomUUID() : opts.idem;
    const retry = opts.retry ?? (method === 'GET' || idem !== undefined);
    const deadline = Date.now() + (opts.retryForMs ?? 180_000);
    for (;;) {
      let reply: Reply;
      try {
        reply = await once(method, path, opts, idem);
      } catch (err) {
        reply = { status: 599, json: { error: String(err) }, text: '' };
      }
      if (!retry || !transient(reply) || Date.now() > deadline) return reply;
      transientAnswers++;
      const wait = reply.status === 429 ? 2000 : 1000;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  return {
    call,
    stats: () => ({ requests, transientAnswers }),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

/** Throws unless the reply has one of the expected statuses. */
export function expectStatus(what: string, reply: Reply, ...ok: number[]): Reply {
  if (!ok.includes(reply.status)) {
    throw new Error(`${what}: HTTP ${reply.status} ${JSON.stringify(reply.json).slice(0, 300)}`);
  }
  return reply;
}
