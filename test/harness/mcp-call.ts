/** One MCP `tools/call` over Streamable HTTP (plain JSON answer), as a bot's client sends it. */
type Json = Record<string, unknown>;

export interface ToolResult {
  isError?: boolean;
  structuredContent: Json;
}

let nextId = 0;

export async function callTool(
  baseUrl: string,
  apiKey: string,
  name: string,
  args: Json,
): Promise<ToolResult> {
  const res = await fetch(`${baseUrl}/api/v1/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: ++nextId,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  });
  const body = (await res.json()) as { result: ToolResult };
  return body.result;
}
