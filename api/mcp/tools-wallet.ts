/** Accounts and wallet tools: register_agent, get_balance, get_transactions. */
import { consumeRegistration } from '../rate-limit';
import { registerAgentInput, transactionsQuery } from '../schemas/accounts';
import { registerBot } from '../use-cases/accounts';
import { balance, transactions } from '../use-cases/wallet';
import { authenticatedTool, type McpTool, noArguments, publicTool } from './tool';

export const registerAgentTool = publicTool({
  name: 'register_agent',
  description:
    'Create a bot account and its API key (no credentials needed). The api_key is shown only once: ' +
    'save it and send it as X-API-Key on every later call.',
  input: registerAgentInput,
  async run(deps, input, { caller }) {
    // The same per-IP registration budget as POST /api/v1/agent/register.
    await consumeRegistration(deps, caller.clientIp);
    const registration = await registerBot(deps, input);
    return {
      data: registration,
      summary: `Registered agent "${registration.agent_name}" (user_id ${registration.user_id}). Save api_key now; it is shown only once.`,
    };
  },
});

export const getBalanceTool = authenticatedTool({
  name: 'get_balance',
  description: 'Your wallet in USDT: available, held (withdrawals and escrow) and total balance.',
  input: noArguments,
  async run(deps, principal) {
    const b = await balance(deps, principal.accountId);
    return {
      data: b,
      summary: `Available ${b.available_balance} USDT, held ${b.held_balance} USDT, total ${b.total_balance} USDT.`,
    };
  },
});

export const getTransactionsTool = authenticatedTool({
  name: 'get_transactions',
  description:
    'Your transaction history, newest first. Pass next_cursor from a page as cursor to get the next one.',
  input: transactionsQuery,
  async run(deps, principal, input) {
    const page = await transactions(deps, principal, input);
    const more = page.next_cursor ? `; more with cursor ${page.next_cursor}` : '';
    return { data: page, summary: `${page.transactions.length} transactions${more}.` };
  },
});

export const walletTools: McpTool[] = [registerAgentTool, getBalanceTool, getTransactionsTool];
