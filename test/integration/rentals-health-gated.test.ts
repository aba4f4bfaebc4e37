/**
 * Health-gated billing (issue 25.3) on the real stack: a proxy agent that fails the renter's
 * `/v1/chat` (a 503) in a minute with no sign of life is not paid for that minute; a 4xx is the
 * agent refusing, not absence; an answer in the same minute keeps it billed. The receipt, the
 * rental and the ledger agree, and the ledger stays consistent.
 */
import { randomUUID } from 'node:crypto';
import { createRentalHealthActivities } from '../../activities/rental-health';
import { toMicro } from '../../domain/money';
import { createLogger } from '../../worker/logger';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental } from '../clients/rentr-fixtures';
import { apiClient, assertLedgerConsistent, availableMicro } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

interface Receipt {
  billed_minutes: number;
  unavailable_minutes: number;
  refund: number;
  total_cost: number;
  minutes: Array<{ minute: number; state: string }>;
  postings: Array<{ kind: string; idempotency_key: string; escrow_change: number }>;
}

const MINUTES = 10;
const PRICE = 0.1; // rentr-fixtures' bot price
const FUNDED = 100; // rentr-fixtures' renter balance

describe('health-gated billing (whole stack)', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  const proxyAgent = () => ({ webhookUrl: agent.url, webhookToken: 'tok', integration: 'proxy' as const });

  beforeAll(async () => {
    stack = await startStack({
      config: { AGENT_PROXY_TIMEOUT_MS: '1500', RATE_LIMIT_KEY_PREFIX: `health-${randomUUID().slice(0, 8)}` },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    agent = await startAgentReceiver();
  });
  afterEach(async () => {
    await agent.close();
  });

  /** Rents the agent, chats once per given answer status, ends at once (inside minute 1), reads the receipt. */
  async function chatThenEnd(statuses: number[]) {
    const fixture = await startRental(stack, proxyAgent(), MINUTES);
    const { rental, renter } = fixture;
    for (const status of statuses) {
      agent.respond(() => ({ status, body: status < 300 ? { response: 'here' } : { error: 'down' } }));
      const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'are you there?' });
      expect(res.status).toBe(status < 300 ? 200 : 502);
    }
    const as = apiClient(stack.url, renter.apiKey);
    expect((await as('POST', `/api/rentals/${rental.id}/end`, {})).status).toBe(200);
    const receipt = await as<Receipt>('GET', `/api/rentals/${rental.id}/receipt`);
    expect(receipt.status).toBe(200);
    const row = await as<{ billed_minutes: number; unavailable_minutes: number }>(
      'GET',
      `/api/rentals/${rental.id}`,
    );
    // What the renter paid in the end: rentr-fixtures funds 100 USDT before the rental.
    const paid = (toMicro(FUNDED) ?? 0) - (await availableMicro(stack.db, renter.id));
    return { ...fixture, receipt: receipt.body, row: row.body, paid };
  }

  it('when the agent answers 503 to the only chat of the minute, then that minute is unavailable and the rental costs nothing', async () => {
    const { rental, receipt, row, paid } = await chatThenEnd([503]);
    expect(receipt).toMatchObject({
      billed_minutes: 0,
      unavailable_minutes: 1,
      refund: MINUTES * PRICE,
      total_cost: 0,
    });
    expect(receipt.minutes[0]).toEqual({ minute: 1, state: 'unavailable' });
    expect(receipt.minutes.slice(1).every((m) => m.state === 'unused')).toBe(true);
    // Hold and refund only: nothing to pay the owner, so no settlement posting.
    expect(receipt.postings.map((p) => [p.idempotency_key, p.escrow_change]).sort()).toEqual(
      [
        [`rental-hold:${rental.id}`, MINUTES * PRICE],
        [`rental-refund:${rental.id}`, -MINUTES * PRICE],
      ].sort(),
    );
    expect(row).toMatchObject({ billed_minutes: 0, unavailable_minutes: 1 });
    // The hold taken at the start came back whole.
    expect(paid).toBe(0);
    await assertLedgerConsistent(stack.db);
  });

  it('when the agent fails a chat but answers the next in the same minute, then the minute is billed', async () => {
    const { receipt } = await chatThenEnd([503, 200]);
    expect(receipt).toMatchObject({ billed_minutes: 1, unavailable_minutes: 0, total_cost: PRICE });
    expect(receipt.minutes[0]).toEqual({ minute: 1, state: 'available' });
    await assertLedgerConsistent(stack.db);
  });

  it('when the per-minute check finds the agent answering 503, then it sends Rentr’s signed check, stores one row however often it is retried, and that minute is unavailable', async () => {
    agent.respond(() => ({ status: 503, body: 'down' }));
    const { rental, bot, renter } = await startRental(stack, proxyAgent(), MINUTES);
    const health = createRentalHealthActivities({
      db: stack.db,
      config: stack.config,
      logger: createLogger('silent', 'test'),
    });
    const check = { rentalId: rental.id, agentId: bot.id, minute: 1 };
    expect(await health.checkRentalAgent(check)).toEqual({ proxy: true, ok: false });
    expect(await health.checkRentalAgent(check)).toEqual({ proxy: true, ok: false }); // a retry
    const sent = agent.healthChecks;
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ path: '/hooks/agent', body: {} });
    expect(sent[0].headers).toMatchObject({ authorization: 'Bearer tok', 'x-rental-id': rental.id });
    expect(sent[0].headers['webhook-signature']).toMatch(/^v1,/);
    const rows = await stack.db.query('SELECT key, ok FROM rental_agent_observations WHERE rental_id = $1', [
      rental.id,
    ]);
    expect(rows.rows).toEqual([{ key: 'check:1', ok: false }]);
    const startsAtMs = Date.parse(rental.ends_at) - MINUTES * 60_000;
    expect(
      await health.rentalUnavailableMinutes({
        rentalId: rental.id,
        agentId: bot.id,
        startsAtMs,
        endedAtMs: startsAtMs + MINUTES * 60_000,
        startedMinutes: MINUTES,
      }),
    ).toEqual([1]);
    await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    await assertLedgerConsistent(stack.db);
  });

  it('when the agent answers a chat with a 4xx, then that is no evidence of absence and the minute is billed', async () => {
    const { receipt, paid } = await chatThenEnd([404]);
    expect(receipt).toMatchObject({ billed_minutes: 1, unavailable_minutes: 0 });
    expect(paid).toBe(toMicro(PRICE));
    await assertLedgerConsistent(stack.db);
  });
});
