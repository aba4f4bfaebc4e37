/**
 * The one outbound HTTP POST of a webhook attempt, made safe for URLs chosen by users:
 * - the host is resolved now and refused when private/loopback/link-local (unless allowed), and
 *   the connection is pinned to the address that was checked, so DNS rebinding cannot swap it;
 * - redirects are never followed (undici's `request` does not follow them);
 * - the whole attempt (connect, headers, body) has one deadline;
 * - at most `maxBodyBytes` of the response are read.
 * Every outcome is a value, never a throw: the caller records it and the workflow decides.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { AppError } from '../domain/errors';
import { assertPublicUrl } from './network-policy';

export type HttpOutcome =
  | {
      kind: 'response';
      status: number;
      latencyMs: number;
      excerpt: string;
      /** The body as read (at most maxBodyBytes); `truncated` when the receiver sent more. */
      body: string;
      truncated: boolean;
    }
  | { kind: 'timeout'; latencyMs: number; error: string }
  | { kind: 'network_error'; latencyMs: number; error: string }
  | { kind: 'refused'; latencyMs: number; error: string };

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** What is kept of a response body in the attempt log. */
const EXCERPT_CHARS = 1024;

/** Pinned agents are reused per (host, address) so repeated deliveries keep their connections. */
const pinnedAgents = new Map<string, Agent>();
const MAX_PINNED_AGENTS = 256;
const unpinnedAgent = new Agent({ connections: 128 });

function agentPinnedTo(host: string, address: string): Agent {
  const key = `${host}|${address}`;
  let agent = pinnedAgents.get(key);
  if (!agent) {
    const family = address.includes(':') ? 6 : 4;
    agent = new Agent({
      connections: 128,
      connect: {
        // Node calls lookup with {all:true} when auto-selecting a family, else expects one address.
        lookup: (_hostname, options, callback) => {
          if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
          else (callback as (err: null, address: string, family: number) => void)(null, address, family);
        },
      },
    });
    if (pinnedAgents.size >= MAX_PINNED_AGENTS) {
      const [oldestKey, oldest] = pinnedAgents.entries().next().value as [string, Agent];
      pinnedAgents.delete(oldestKey);
      void oldest.close();
    }
    pinnedAgents.set(key, agent);
  }
  return agent;
}

async function dispatcherFor(url: string, allowPrivate: boolean): Promise<Dispatcher> {
  const { url: parsed, addresses } = await assertPublicUrl(url, allowPrivate, 'url');
  return addresses.length ? agentPinnedTo(parsed.hostname, addresses[0]) : unpinnedAgent;
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  cap: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      break;
    }
  }
  return { text: Buffer.concat(chunks).subarray(0, cap).toString('utf8'), truncated: size > cap };
}

const messageOf = (err: unknown) => {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return [e.code ?? e.cause?.code, e.message ?? String(err)].filter(Boolean).join(': ');
};

/** An attempt that got no response: refused by the URL policy, out of time, or a network error. */
type NoResponse = Exclude<HttpOutcome, { kind: 'response' }>;

/**
 * The one POST both readers share: the URL policy and pinning, redirects not followed, and one
 * deadline over connect, headers and whatever `read` does with the body. Failures are values.
 */
async function postWithin<T>(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: PostOptions,
  read: (res: Dispatcher.ResponseData, elapsed: () => number) => Promise<T>,
): Promise<T | NoResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  try {
    const dispatcher = await dispatcherFor(url, opts.allowPrivate);
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      signal: controller.signal,
      headers: { 'content-type': 'application/json', 'user-agent': 'agentrent-webhooks/1', ...headers },
      body,
    });
    return await read(res, elapsed);
  } catch (err) {
    if (err instanceof AppError) return { kind: 'refused', latencyMs: elapsed(), error: err.message };
    if (timedOut)
      return {
        kind: 'timeout',
        latencyMs: elapsed(),
        error: `no complete response within ${opts.timeoutMs} ms`,
      };
    return { kind: 'network_error', latencyMs: elapsed(), error: messageOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: PostOptions,
): Promise<HttpOutcome> {
  return postWithin(url, body, headers, opts, async (res, elapsed) => {
    const { text, truncated } = await readCapped(res.body, opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return {
      kind: 'response',
      status: res.statusCode,
      latencyMs: elapsed(),
      excerpt: text.slice(0, EXCERPT_CHARS),
      body: text,
      truncated,
    } as const;
  });
}

/** A response's status and media type, known before its body is read. */
export interface ResponseHead {
  status: number;
  /** The Content-Type header as sent ('' when none). */
  contentType: string;
}

/** Takes each chunk of a body as it arrives; answering true stops reading (the rest is unwanted). */
export type BodySink = (chunk: Buffer) => boolean | void;

export type StreamedOutcome =
  { kind: 'response'; status: number; latencyMs: number; truncated: boolean } | NoResponse;

/**
 * `postJson` for a response read as it arrives (a streamed agent reply): the same URL policy,
 * pinning, single deadline over connect, headers and the whole body, and byte cap (`truncated`:
 * the receiver sent more, the rest was not read); `sinkFor` chooses, from the head, where the
 * body's chunks go. Chunks already given to the sink stay given when the outcome is a failure.
 */
export function postStreamed(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: PostOptions,
  sinkFor: (head: ResponseHead) => BodySink,
): Promise<StreamedOutcome> {
  return postWithin(url, body, headers, opts, async (res, elapsed) => {
    const type = res.headers['content-type'];
    const sink = sinkFor({ status: res.statusCode, contentType: typeof type === 'string' ? type : '' });
    const cap = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > cap) truncated = true;
      if (truncated || sink(chunk) === true) {
        res.body.destroy();
        break;
      }
    }
    return { kind: 'response', status: res.statusCode, latencyMs: elapsed(), truncated } as const;
  });
}
