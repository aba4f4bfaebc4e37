/** USDT TRC-20 tools: create_deposit (your deposit address) and create_withdrawal. */
import { WITHDRAW_PATH } from '../routes/withdrawals';
import { withdrawInput } from '../schemas/withdrawals';
import { createWithdrawal, getDepositAddress } from '../use-cases/withdrawals';
import { idempotencyKeyArg, idempotentToolCall, restBodyOf } from './idempotency';
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

export const createWithdrawalTool = authenticatedTool({
  name: 'create_withdrawal',
  description:
    'Withdraw USDT to a TRON address (minimum 20.00, fee 1.50). idempotency_key is required: calling again ' +
    'with the same key returns the same withdrawal instead of sending twice.',
  input: withdrawInput.extend({
    idempotency_key: idempotencyKeyArg.describe('Idempotency-Key, e.g. withdraw-20260523-001'),
  }),
  async run(deps, principal, input, { args }) {
    const { body, replayed } = await idempotentToolCall(
      deps,
      principal,
      input.idempotency_key,
      // POST WITHDRAW_PATH, scope "withdraw" (api/routes/withdrawals.ts).
      {
        scope: 'withdraw',
        method: 'POST',
        path: WITHDRAW_PATH,
        status: 200,
        body: restBodyOf(args),
      },
      (key) => createWithdrawal(deps, principal, { ...input, idempotency_key: key }),
    );
    const again = replayed ? ' (same key: the original withdrawal)' : '';
    return {
      data: body,
      summary: `Withdrawal ${body.withdrawal_id} of ${body.amount} USDT (fee ${body.fee}, net ${body.net_amount}) is ${body.status}${again}.`,
    };
  },
});

export const tronTools: McpTool[] = [createDepositTool, createWithdrawalTool];
