/** Tool descriptors (name, description, JSON Schema of the input) for tools/list and discovery. */
import { z } from 'zod';
import type { McpTool } from './tool';

export interface ToolDescriptor {
  name: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
}

/**
 * The input side of the REST schema (a USDT amount is a number here, not the micro-USDT integer
 * it becomes after parsing); draft-07 like the SDK's own McpServer, which most clients expect.
 */
export function describeTool(tool: McpTool): ToolDescriptor {
  const schema = z.toJSONSchema(tool.input, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
  return { name: tool.name, description: tool.description, inputSchema: { ...schema, type: 'object' } };
}
