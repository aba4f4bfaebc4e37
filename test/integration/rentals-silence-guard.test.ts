/**
 * The silence guard on the real stack (API, worker, Postgres, Temporal dev server, a local proxy
 * agent): `max_silence_minutes` is validated and shown on the rental; a proxy agent that fails the
 * renter's `/v1/chat` and stays silent for the limit ends the rental early, the unused minutes back
 * with the renter, the ledger balanced. The one test here that waits a real minute.
 */
import { randomUUID } from 'node:crypto';
import { toMicro } from '../../domain/money';
import { type RentalView, rentalWorkflowId } from '../../workflows/rental/contract';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall } from '../clients/rentr-fixtures';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
} from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

interface RentalBody {
  id: string;
  code: string;
  status: string;
  minutes: number;
  starts_at: string;
  ended_at: string | null;
  ended_by: string | null;
  ended_reason: string | null;
  max_silence_minutes: number | null;
  billed_minutes: number | null;
  unavailable_minutes: number | null;
  refund: number | null;
  settled: boolean;
}
interface ErrorBody {
  error: string;
  code: string;
}

const MINUTE = 60_000;

describe('rental silence guard (whole stack)', () => {
  let stack: Stack;
  let agent: AgentReceiver;

  beforeAll(async () => {
    stack = await startStack({
      config: { RATE_LIMIT_KEY_PREFIX: `silence-${randomUUID().slice(0, 8)}` },
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

  it('refuses a bad max_silence_minutes with 400 validation, holding nothing', async () => {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.25 });
    const renter = await createFundedAccount(stack.db, 20);
    const cases: unknown[] = [0, -1, 1441, 2.5, '10', null, true, { minutes: 5 }, 1e12];
    for (const max of cases) {
      const res = await apiClient(stack.url, renter.apiKey)<ErrorBody>('POST', '/api/rentals', {
        agent_id: bot.id,
        minutes: 5,
        max_silence_minutes: max,
      });
      expect({ max, status: res.status, code: res.body.code }).toEqual({
        max,
        status: 400,
        code: 'validation',
      });
      expect(res.body.error).toContain('max_silence_minutes');
    }
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(20));
    const rows = await stack.db.query('SELECT 1 FROM rentals WHERE renter_id = $1', [renter.id]);
    expect(rows.rowCount).toBe(0);
  });

  it('shows the limit on the rental, and null on a rental without one', async () => {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.25 });
    const renter = await createFundedAccount(stack.db, 20);
    const as = apiClient(stack.url, renter.apiKey);
    const guarded = await as<RentalBody>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 5,
      max_silence_minutes: 15,
    });
    expect(guarded.status).toBe(201);
    expect(guarded.body).toMatchObject({ max_silence_minutes: 15, ended_reason: null });
    const plain = await as<RentalBody>('POST', '/api/rentals', { agent_id: bot.id, minutes: 5 });
    expect(plain.body).toMatchObject({ max_silence_minutes: null, ended_reason: null });
    for (const id of [guarded.body.id, plain.body.id]) await as('POST', `/api/rentals/${id}/end`, {});
  });

  it('a proxy agent that fails the renter’s chat and stays silent for the limit: the rental ends early as agent_silent and the unused minutes come back', async () => {
    agent.respond(() => ({ status: 500, body: 'down' }));
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      ownerId: owner.id,
      pricePerMinute: 0.1,
      webhookUrl: agent.url,
      webhookToken: 'secret-token',
      integration: 'proxy',
    });
    const renter = await createFundedAccount(stack.db, 100);
    const as = apiClient(stack.url, renter.apiKey);
    const created = await as<RentalBody>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 10,
      max_silence_minutes: 1,
    });
    expect(created.status).toBe(201);
    const rental = created.body;
    const chat = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'are you there?' });
    expect(chat.status).toBe(502);

    const final: RentalView = await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    expect(final).toMatchObject({ endedBy: 'clock', endedReason: 'agent_silent', settled: true });
    const row = (await as<RentalBody>('GET', `/api/rentals/${rental.id}`)).body;
    const elapsedMs = Date.parse(row.ended_at!) - Date.parse(row.starts_at);
    expect(elapsedMs).toBeGreaterThanOrEqual(MINUTE);
    const started = Math.ceil(elapsedMs / MINUTE);
    // Health-gated billing (issue 25.3): the agent answered nothing but 500s, so minute 1 (the failed
    // chat) is not billed; a later started minute is unless its health check ran and failed too.
    const unavailable = row.unavailable_minutes ?? 0;
    expect(unavailable).toBeGreaterThanOrEqual(1);
    const billed = started - unavailable;
    expect(row).toMatchObject({
      status: 'ended',
      ended_by: 'clock',
      ended_reason: 'agent_silent',
      settled: true,
      billed_minutes: billed,
      refund: Number(((10 - billed) * 0.1).toFixed(6)),
    });
    expect(billed).toBeLessThan(10);
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(100)! - billed * toMicro(0.1)!);
    const ended = await stack.db.query<{ data: { ended_reason?: string } }>(
      `SELECT data FROM notifications WHERE account_id = $1 AND type = 'rental_ended'`,
      [bot.id],
    );
    expect(ended.rows.map((n) => n.data.ended_reason)).toEqual(['agent_silent']);
    const receipt = await as<{
      ended_reason: string;
      billed_minutes: number;
      unavailable_minutes: number;
      minutes: { minute: number; state: string }[];
    }>('GET', `/api/rentals/${rental.id}/receipt`);
    expect(receipt.body).toMatchObject({
      ended_reason: 'agent_silent',
      billed_minutes: billed,
      unavailable_minutes: unavailable,
    });
    expect(receipt.body.minutes[0]).toEqual({ minute: 1, state: 'unavailable' });
    expect(receipt.body.minutes.filter((m) => m.state === 'unused')).toHaveLength(10 - started);
    await assertLedgerConsistent(stack.db);
  }, 180_000);
});
