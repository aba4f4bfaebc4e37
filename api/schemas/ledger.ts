/** Input and output shapes of the ledger: balances, transaction history, operator adjustments. */
import { z } from 'zod';
import { registry } from '../openapi';
import { pageFields, pageQuery } from './common';
import { textRule, usdtAmount, uuidSchema } from '../validation';

export const adjustmentInput = registry.register(
  'AdjustmentInput',
  z.object({
    account_id: uuidSchema,
    amount: usdtAmount({ allowNegative: true }),
    reason: textRule(
      z
        .string({ error: 'must be a string' })
        .trim()
        .min(1, 'must not be empty')
        .max(500, 'must be at most 500 characters'),
      { multiline: true },
    ),
  }),
);

export const transactionsQuery = pageQuery();

export const adjustmentView = registry.register(
  'Adjustment',
  z.object({
    id: z.uuid(),
    journal_id: z.uuid(),
    account_id: z.uuid(),
    amount: z.number(),
    reason: z.string(),
    balance: z.object({
      available_balance: z.number(),
      held_balance: z.number(),
      total_balance: z.number(),
      currency: z.literal('USDT'),
    }),
  }),
);

export const balanceOutput = registry.register(
  'Balance',
  z.object({
    available_balance: z.number(),
    held_balance: z.number().openapi({ description: 'held for withdrawals + escrow of rentals and tasks' }),
    total_balance: z.number(),
    currency: z.literal('USDT'),
  }),
);

export const transactionView = registry.register(
  'Transaction',
  z.object({
    id: z.uuid(),
    type: z.string().openapi({ description: 'journal kind, e.g. adjustment, rental_hold, task_payout' }),
    amount: z.number().openapi({ description: 'signed change of the available balance' }),
    held_amount: z.number().openapi({ description: 'signed change of held + escrow balances' }),
    reference: z.string().nullable(),
    created_at: z.string(),
  }),
);

export const transactionsOutput = registry.register(
  'Transactions',
  z.object({ transactions: z.array(transactionView), ...pageFields }),
);
