/**
 * A local stand-in for an agent's webhook server on 127.0.0.1: records every request and answers
 * with whatever the test's responder says. Tracks how many requests are in flight at once, so a
 * test can prove calls for one rental never overlap. Health checks (a proxy rental's agent gets
 * one a minute) are kept apart and not counted, so a test of relayed chats does not depend on
 * where a rental's minute falls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface Answer {
  status?: number;
  /** A string is sent as-is (text/plain unless contentType says otherwise); anything else as JSON. */
  body?: unknown;
  contentType?: string;
  /** Wait this long before answering (ms). */
  delayMs?: number;
  /** Never answer (the socket stays open until the receiver closes). */
  hang?: boolean;
  /**
   * A streamed body (with `contentType`, status 200 unless `status`): each chunk written as it
   * comes, the body ended after the last. A chunk source that never ends keeps the body open until
   * the receiver closes.
   */
  chunks?: AsyncIterable<string> | string[];
}

export type Responder = (req: ReceivedRequest) => Answer | Promise<Answer>;

export interface AgentReceiver {
  url: string;
  /** Everything but health checks: a proxy rental's agent is also health-checked once a minute. */
  requests: ReceivedRequest[];
  /** The requests marked `X-Health-Check: true`. */
  healthChecks: ReceivedRequest[];
  maxInFlight: number;
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startAgentReceiver(responder: Responder = () => ({ body: { message: 'ok' } })) {
  let current = responder;
  let inFlight = 0;
  const hanging = new Set<http.ServerResponse>();
  const receiver: AgentReceiver = {
    url: '',
    requests: [],
    healthChecks: [],
    maxInFlight: 0,
    respond(next) {
      current = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      // A health check may overlap a chat: only relayed requests count towards `maxInFlight`.
      const healthCheck = req.headers['x-health-check'] === 'true';
      const step = healthCheck ? 0 : 1;
      inFlight += step;
      receiver.maxInFlight = Math.max(receiver.maxInFlight, inFlight);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep text
      }
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      (healthCheck ? receiver.healthChecks : receiver.requests).push(received);
      const answer = await current(received);
      if (answer.hang) {
        hanging.add(res);
        return;
      }
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (answer.chunks) {
        hanging.add(res);
        res.writeHead(answer.status ?? 200, { 'Content-Type': answer.contentType ?? 'text/event-stream' });
        for await (const chunk of answer.chunks) {
          if (res.destroyed) break;
          res.write(chunk);
        }
        inFlight -= step;
        hanging.delete(res);
        res.end();
        return;
      }
      inFlight -= step;
      const isText = typeof answer.body === 'string';
      res.writeHead(answer.status ?? 200, {
        'Content-Type': answer.contentType ?? (isText ? 'text/plain' : 'application/json'),
      });
      res.end(answer.body === undefined ? '' : isText ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
