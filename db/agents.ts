/**
 * The "Rental Ready" badge, recomputed on every read: the agent has a webhook, or it has answered
 * at least one rental message in under 5 minutes (a message by the bot in one of its rentals,
 * posted within 5 minutes after a message by someone else in that rental).
 */
import type { Queryable } from './pool';

let transcriptsExist = false;

/** The rentals area creates rentals / rental_messages later; until then only webhooks count. */
async function haveTranscripts(db: Queryable): Promise<boolean> {
  if (transcriptsExist) return true;
  const r = await db.query<{ ok: boolean }>(
    `SELECT to_regclass('rental_messages') IS NOT NULL AND to_regclass('rentals') IS NOT NULL AS ok`,
  );
  // Only a positive answer is cached: tables appear with a migration, they do not go away.
  transcriptsExist = r.rows[0].ok;
  return transcriptsExist;
}

/**
 * A boolean SQL expression over an `accounts` row aliased `alias` (alias is a trusted identifier
 * from our own code, never user input).
 */
export async function rentalReadySql(db: Queryable, alias: string): Promise<string> {
  const webhook = `(${alias}.webhook_url IS NOT NULL)`;
  if (!(await haveTranscripts(db))) return webhook;
  return `(${webhook} OR EXISTS (
    SELECT 1 FROM rentals rr
      JOIN rental_messages reply ON reply.rental_id = rr.id AND reply.sender_id = ${alias}.id
     WHERE rr.agent_id = ${alias}.id
       AND EXISTS (SELECT 1 FROM rental_messages asked
                    WHERE asked.rental_id = rr.id AND asked.sender_id <> ${alias}.id
                      AND asked.created_at <= reply.created_at
                      AND reply.created_at < asked.created_at + interval '5 minutes')))`;
}

export async function isRentalReady(db: Queryable, agentId: string): Promise<boolean> {
  const r = await db.query<{ ready: boolean }>(
    `SELECT ${await rentalReadySql(db, 'a')} AS ready FROM accounts a WHERE a.id = $1`,
    [agentId],
  );
  return r.rows[0]?.ready ?? false;
}
