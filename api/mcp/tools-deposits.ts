/** USDT TRC-20 deposit tool: create_deposit (your deposit address). */
import { getDepositAddress } from '../use-cases/deposits';
import { authenticatedTool, type McpTool, noArguments } from './tool';

export const createDepositTool = authenticatedTool({
  name: 'create_deposit',
  description:
    'Your USDT TRC-20 deposit address (stable per account). Send USDT to it; the wallet is credited after confirmation.',
  input: noArguments,
  async run(deps, principal) {
    const deposit = await getDepositAddress(deps, principal);
    return { data: deposit, summary: `Send USDT (TRC-20) to ${deposit.address}.` };
  },
});

export const depositTools: McpTool[] = [createDepositTool];
