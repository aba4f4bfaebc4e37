/** USDT TRC-20 withdrawal shapes (SPEC §4), shared by the REST routes and MCP tools. */
import { z } from 'zod';
import { isTronBase58Address } from '../../services/tron-address';
import { registry } from '../openapi';
import { textRule, usdtAmount } from '../validation';
import { idParams } from './common';

const usdt = z.number().openapi({ example: 25.0 });

export const withdrawInput = registry.register(
  'WithdrawInput',
  z.object({
    amount: usdtAmount(),
    address: z
      .string({ error: 'must be a string' })
      .max(64, 'must be a valid TRON base58 address (T…)')
      .refine(isTronBase58Address, 'must be a valid TRON base58 address (T…)')
      .openapi({ pattern: '^T[1-9A-HJ-NP-Za-km-z]{33}$', example: 'TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C' }),
    currency: z.literal('USDT', { error: 'must be "USDT"' }),
  }),
);
export type WithdrawInput = z.infer<typeof withdrawInput>;

export const withdrawalStatus = z.enum([
  'queued',
  'review',
  'waiting_funds',
  'broadcast',
  'confirmed',
  'rejected',
  'failed',
]);

export const withdrawResult = registry.register(
  'WithdrawResult',
  z.object({
    withdrawal_id: z.uuid(),
    amount: usdt,
    fee: usdt.openapi({ example: 1.5 }),
    net_amount: usdt.openapi({ example: 23.5 }),
    status: withdrawalStatus,
  }),
);
export type WithdrawResult = z.infer<typeof withdrawResult>;

export const withdrawalIdInput = idParams;

export const withdrawalView = registry.register(
  'Withdrawal',
  z.object({
    withdrawal_id: z.uuid(),
    amount: usdt,
    fee: usdt,
    net_amount: usdt,
    currency: z.literal('USDT'),
    network: z.literal('trc20'),
    address: z.string(),
    status: withdrawalStatus,
    status_reason: z.string().nullable(),
    review_reasons: z.array(z.string()),
    txid: z.string().nullable(),
    block_number: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
);
export type WithdrawalView = z.infer<typeof withdrawalView>;

// A reason is required either way: an approval overrides a risk rule, and the audit says why.
export const reviewWithdrawalInput = z.object({
  reason: textRule(
    z
      .string({ error: (iss) => (iss.input === undefined ? 'is required: say why' : 'must be a string') })
      .trim()
      .min(1, 'is required: say why')
      .max(500, 'must be at most 500 characters'),
    {
      multiline: true,
    },
  ),
});
export const reviewWithdrawalResult = registry.register(
  'WithdrawalReviewResult',
  z.object({
    withdrawal_id: z.uuid(),
    status: withdrawalStatus,
    awaiting_second_approver: z
      .boolean()
      .describe('true after the first of two approvals (above REVIEW_SECOND_APPROVER_USDT): still in review'),
  }),
);
