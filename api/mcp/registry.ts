/** Every MCP tool, by name, with its descriptor computed once (tools/list and discovery share it). */
import { describeTool, type ToolDescriptor } from './describe';
import type { McpTool } from './tool';
import { rentalFileTools } from './tools-rental-files';
import { rentalTools } from './tools-rentals';
import { messageTools } from './tools-messages';
import { ratingTools } from './tools-ratings';
import { taskTools } from './tools-tasks';
import { depositTools } from './tools-deposits';
import { withdrawalTools } from './tools-withdrawals';
import { accountTools } from './tools-accounts';
import { ledgerTools } from './tools-ledger';

export interface ToolRegistry {
  tools: ReadonlyMap<string, McpTool>;
  descriptors: readonly ToolDescriptor[];
}

export function buildRegistry(tools: readonly McpTool[]): ToolRegistry {
  const byName = new Map<string, McpTool>();
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`duplicate MCP tool ${tool.name}`);
    byName.set(tool.name, tool);
  }
  return { tools: byName, descriptors: tools.map(describeTool) };
}

/** The bot API (SPEC §5), in the order the seed lists it. */
export const ALL_TOOLS: readonly McpTool[] = [
  ...accountTools,
  ...ledgerTools,
  ...depositTools,
  ...withdrawalTools,
  ...taskTools,
  ...rentalTools,
  ...messageTools,
  ...ratingTools,
  ...rentalFileTools,
];
