/**
 * The MCP conformance suite's fixture tool for `server-sse-polling`, served only when
 * MCP_CONFORMANCE_FIXTURES is on (tests): `test_reconnection` closes its SSE stream mid-call, so
 * the client must resume with Last-Event-ID and receives the answer from the event store
 * (api/mcp/event-store.ts). It exercises the production resumption path; it touches no data.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';

export const RECONNECTION_FIXTURE: Tool = {
  name: 'test_reconnection',
  description: 'Conformance fixture (tests only): closes its SSE stream, answers after the client resumes.',
  inputSchema: { type: 'object', properties: {} },
};

export function runReconnectionFixture(
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
): CallToolResult {
  // Undefined outside a session's SSE stream: then the answer simply goes out on the POST.
  extra.closeSSEStream?.();
  return { content: [{ type: 'text', text: 'Reconnection test completed successfully' }] };
}
