/** Ledger tools: get_balance, get_transactions (the caller's wallet). */
import { transactionsQuery } from '../schemas/ledger';
import { balance, transactions } from '../use-cases/ledger';
import { authenticatedTool, type McpTool, noArguments } from './tool';

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

export const ledgerTools: McpTool[] = [getBalanceTool, getTransactionsTool];
