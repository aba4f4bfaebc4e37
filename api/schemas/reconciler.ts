/** Schemas of the operators' view of reconciler repairs. */
import { z } from 'zod';
import { pageFields, pageQuery } from './common';

export const listRepairsQuery = pageQuery();
export type ListRepairsQuery = z.infer<typeof listRepairsQuery>;

export const repairView = z.object({
  id: z.string().describe('the repair journal id'),
  account_id: z.string(),
  purpose: z.enum(['held', 'escrow']),
  subject: z.string().describe('rental:<id>, task:<id> or withdrawal:<id>'),
  amount: z.number().describe('USDT moved back to the account’s available balance'),
  owner_workflow_id: z.string(),
  owner_state: z.enum(['missing', 'closed']),
  owner_status: z.string().nullable(),
  reconciler_run: z.string().nullable(),
  created_at: z.string(),
});
export const repairListView = z.object({ repairs: z.array(repairView), ...pageFields });
