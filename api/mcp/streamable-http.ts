/**
 * `POST /api/v1/mcp`, Streamable HTTP in stateless mode: every POST gets a fresh protocol server
 * and transport, so any API process can answer any request (no session affinity, nothing to
 * expire) and every message is authenticated by the credentials sent with it. A client that lists
 * `text/event-stream` in Accept gets the SSE framing the spec prefers; any other client (curl with
 * no Accept header) gets one plain JSON response.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Request, RequestHandler, Response } from 'express';
import type { ApiDeps } from '../deps';
import { callerOf, toAuthInfo } from './caller';
import { jsonBodyOf, sendParseError } from './json-body';
import { lenientInitialize } from './lenient-initialize';
import type { ToolRegistry } from './registry';
import { createMcpServer } from './server';

export const acceptsEventStream = (req: Request) => (req.get('accept') ?? '').includes('text/event-stream');

/**
 * The SDK transport insists on `Accept: application/json, text/event-stream` and a JSON
 * Content-Type; both are settled above (body parsed, response framing chosen), so the request it
 * sees says so. Only MCP's own headers are forwarded: credentials travel in authInfo instead.
 */
function transportRequestOf(req: Request): globalThis.Request {
  const headers = new Headers({
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  });
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('mcp-') && typeof value === 'string') headers.set(name, value);
  }
  return new Request(new URL(req.originalUrl, 'http://localhost'), { method: 'POST', headers });
}

/** Writes a fetch Response to Express, streaming the body (an SSE response arrives in pieces). */
async function sendResponse(response: globalThis.Response, res: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => {
    reader.cancel().catch(() => undefined);
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done || res.destroyed) break;
    res.write(value);
  }
  res.end();
}

export function streamableHttpPost(deps: ApiDeps, registry: ToolRegistry): RequestHandler {
  return async (req, res) => {
    const body = jsonBodyOf(req);
    if (!body.ok) return sendParseError(res);
    const server = createMcpServer(deps, registry);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !acceptsEventStream(req),
    });
    // A client that hangs up ends the request: close the protocol server, stop waiting for answers.
    const hungUp = new Promise<undefined>((resolve) =>
      res.on('close', () => {
        server.close().catch(() => undefined);
        resolve(undefined);
      }),
    );
    await server.connect(transport);
    const response = await Promise.race([
      transport.handleRequest(transportRequestOf(req), {
        parsedBody: lenientInitialize(body.value),
        authInfo: toAuthInfo(callerOf(req)),
      }),
      hungUp,
    ]);
    // The request deadline may have answered 504 already (api/deadline.ts).
    if (!response || res.headersSent) return;
    await sendResponse(response, res);
  };
}

/** Stateless: there is no server-initiated stream to GET and no session to DELETE. */
export const noStandaloneStream: RequestHandler = (_req, res) => {
  res
    .status(405)
    .setHeader('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
};
