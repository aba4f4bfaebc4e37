/**
 * What the platform saw of a rental's agent (health-gated billing, issue 25.3): per-minute health
 * checks and failed `/v1/chat` relays, each stored once under its key; and, for the settlement,
 * every observation of the rental with the agent's transcript messages as signs of life.
 */
import type { AgentObservation } from '../domain/rental-availability';
import type { Queryable } from './pool';

export interface NewAgentObservation {
  rentalId: string;
  /** `check:<minute>` or `chat:<message id>`: a retried write stores nothing twice. */
  key: string;
  source: 'check' | 'chat';
  ok: boolean;
  detail: string | null;
}

/** Stores the observation at the database's now (the transcript's clock); a repeat of its key is a no-op. */
export async function recordAgentObservation(db: Queryable, o: NewAgentObservation): Promise<void> {
  await db.query(
    `INSERT INTO rental_agent_observations (rental_id, key, source, ok, detail)
     VALUES ($1, $2, $3, $4, left($5, 500)) ON CONFLICT (rental_id, key) DO NOTHING`,
    [o.rentalId, o.key, o.source, o.ok, o.detail],
  );
}

/** The rental's observations and its agent's messages (successes), oldest first, in epoch ms. */
export async function agentObservationsOf(
  db: Queryable,
  rentalId: string,
  agentId: string,
): Promise<AgentObservation[]> {
  const r = await db.query<{ at_ms: string; ok: boolean }>(
    `SELECT floor(extract(epoch FROM observed_at) * 1000)::bigint AS at_ms, ok
       FROM rental_agent_observations WHERE rental_id = $1
     UNION ALL
     SELECT floor(extract(epoch FROM created_at) * 1000)::bigint, true
       FROM rental_messages WHERE rental_id = $1 AND sender_id = $2
     ORDER BY 1`,
    [rentalId, agentId],
  );
  return r.rows.map((row) => ({ atMs: Number(row.at_ms), ok: row.ok }));
}

export interface ProxyAgentOfRental {
  webhook_url: string;
  webhook_token: string | null;
  /** Signs the check as every webhook is signed; null until the account's first signed webhook. */
  webhook_secret: string | null;
}

/** The webhook a per-minute health check calls, when the rental's agent is a proxy agent. */
export async function proxyAgentOfRental(
  db: Queryable,
  rentalId: string,
): Promise<ProxyAgentOfRental | undefined> {
  const r = await db.query<ProxyAgentOfRental>(
    `SELECT a.webhook_url, a.webhook_token, a.webhook_secret FROM rentals r JOIN accounts a ON a.id = r.agent_id
      WHERE r.id = $1 AND a.integration = 'proxy' AND a.webhook_url IS NOT NULL`,
    [rentalId],
  );
  return r.rows[0];
}
