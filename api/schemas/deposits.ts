/** USDT TRC-20 deposit shapes (SPEC §4), shared by the REST routes and MCP tools. */
import { z } from 'zod';
import { registry } from '../openapi';
import { pageFields, pageOffset, pageQuery } from './common';

const usdt = z.number().openapi({ example: 25.0 });

export const depositAddressResult = registry.register(
  'DepositAddress',
  z.object({
    address: z.string().openapi({ example: 'TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C' }),
    network: z.literal('trc20'),
    currency: z.literal('USDT'),
  }),
);
export type DepositAddressResult = z.infer<typeof depositAddressResult>;

export const listDepositsInput = z.object({
  ...pageQuery().shape,
  // Kept for clients of the first version; `cursor` is the way to page.
  offset: pageOffset().openapi({ description: 'rows to skip (older paging; prefer cursor)' }),
});
export type ListDepositsInput = z.infer<typeof listDepositsInput>;

export const depositView = registry.register(
  'Deposit',
  z.object({
    id: z.string().openapi({ description: '<txid>-<log_index>' }),
    txid: z.string(),
    log_index: z.number().int(),
    address: z.string(),
    from_address: z.string(),
    amount: usdt,
    currency: z.literal('USDT'),
    network: z.literal('trc20'),
    block_number: z.number().int(),
    confirmations: z.number().int(),
    required_confirmations: z.number().int(),
    status: z.enum(['pending', 'confirmed', 'dropped', 'failed']),
    created_at: z.string(),
    credited_at: z.string().nullable(),
  }),
);
export type DepositView = z.infer<typeof depositView>;
export const listDepositsResult = registry.register(
  'DepositList',
  z.object({
    deposits: z.array(depositView),
    limit: z.number().int(),
    offset: z.number().int(),
    ...pageFields,
  }),
);
export type ListDepositsResult = z.infer<typeof listDepositsResult>;
