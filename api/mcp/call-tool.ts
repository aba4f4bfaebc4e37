/**
 * tools/call: find the tool, authenticate like REST (before parsing, as `requireAuth` runs before a
 * route's zod parse), count the call against the caller's per-key limit, run it under the MCP
 * server-side timeout, and turn any failure into a tool error carrying the REST message.
 */
import { ErrorCode as McpErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '../../domain/errors';
import { authenticate } from '../auth';
import { remainingMs } from '../deadline';
import type { ApiDeps } from '../deps';
import { toolErrorOf } from './errors';
import type { Caller, McpTool, ToolOutput } from './tool';

/**
 * RoboRent: "Server-side request timeout: 15s for MCP" → 504 with Retry-After: 5. The request's
 * deadline (MCP_REQUEST_DEADLINE_MS, api/deadline.ts) answers Streamable HTTP with an HTTP 504; a
 * tool still running a moment later ends as a 504 tool error (what an SSE client, with no HTTP
 * status to read, is told).
 */
const TOOL_TIMEOUT_SLACK_MS = 250;

export type ToolMap = ReadonlyMap<string, McpTool>;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError(ErrorCode.Timeout, 'server timeout, retry later', { 'Retry-After': '5' })),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The structured result plus text for clients that only read `content`: a one-line summary, then
 * the same JSON (the MCP spec asks tools with structured output to serialise it for older clients).
 */
export function toolResult(output: ToolOutput): CallToolResult {
  return {
    content: [
      { type: 'text', text: output.summary },
      { type: 'text', text: JSON.stringify(output.data) },
    ],
    structuredContent: output.data,
  };
}

export async function callTool(
  deps: ApiDeps,
  tools: ToolMap,
  params: { name: string; arguments?: Record<string, unknown> },
  caller: Caller,
): Promise<CallToolResult> {
  const tool = tools.get(params.name);
  // An unknown tool is a protocol error (JSON-RPC -32602), as in the SDK's own McpServer.
  if (!tool) throw new McpError(McpErrorCode.InvalidParams, `Tool ${params.name} not found`);
  try {
    const principal = tool.requiresAuth
      ? await authenticate(deps, caller.credential, caller.clientIp)
      : undefined;
    const call = { caller, args: params.arguments ?? {} };
    const budgetMs = Math.min(remainingMs(), deps.config.MCP_REQUEST_DEADLINE_MS) + TOOL_TIMEOUT_SLACK_MS;
    const output = await withTimeout(tool.call(deps, principal, call), budgetMs);
    return toolResult(output);
  } catch (err) {
    return toolErrorOf(err, deps.logger, tool.name);
  }
}
