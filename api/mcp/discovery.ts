/** `GET /api/v1/mcp` without credentials: what this server is, how to reach it, and its tools. */
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandler } from 'express';
import type { ToolRegistry } from './registry';
import { SERVER_INFO, SERVER_INSTRUCTIONS } from './server';

export function discoveryHandler(
  registry: ToolRegistry,
  paths: { endpoint: string; sse: string; messages: string },
): RequestHandler {
  const document = {
    serverInfo: SERVER_INFO,
    protocol: 'JSON-RPC 2.0',
    protocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    instructions: SERVER_INSTRUCTIONS,
    capabilities: { tools: {} },
    transports: {
      streamable_http: { method: 'POST', url: paths.endpoint },
      sse: { url: paths.sse, messages: paths.messages },
    },
    authentication: {
      headers: ['X-API-Key: <key>', 'Authorization: Bearer <key-or-JWT>'],
      not_required_for: ['initialize', 'tools/list', 'register_agent'],
    },
    tools: registry.descriptors.map((d) => ({
      ...d,
      requires_auth: registry.tools.get(d.name)?.requiresAuth ?? true,
    })),
  };
  return (_req, res) => {
    res.json(document);
  };
}
