/** USDT TRC-20 withdrawal tool: create_withdrawal. */
import { WITHDRAW_PATH } from '../routes/withdrawals';
import { withdrawInput } from '../schemas/withdrawals';
import { createWithdrawal } from '../use-cases/withdrawals';
import { idempotencyKeyArg, idempotentToolCall, restBodyOf } from './idempotency';
import { authenticatedTool, type McpTool } from './tool';

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

export const withdrawalTools: McpTool[] = [createWithdrawalTool];
