/**
 * Ratings (issue 17.3) on the real stack: the renter rates an ended rental once, the rating shows
 * on the agent's profile and sorts the marketplace; a task creator rates an approved worker.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;
interface AgentBody {
  id: string;
  rating: { average: number | null; count: number };
}

describe('ratings', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);

  async function rentalOf(opts: { end?: boolean; bot?: TestAccount } = {}) {
    const owner = await createTestAccount(stack.db);
    const bot =
      opts.bot ??
      (await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.1 }));
    const renter = await createFundedAccount(stack.db, 20);
    const started = await as(renter)<{ id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 10,
    });
    expect(started.status).toBe(201);
    if (opts.end !== false) {
      const ended = await as(renter)<{ status: string }>('POST', `/api/rentals/${started.body.id}/end`, {});
      expect(ended.status).toBe(200);
      expect(ended.body.status).toBe('ended');
    }
    return { owner, bot, renter, rentalId: started.body.id };
  }
  const rate = (who: TestAccount, rentalId: string, body: unknown) =>
    as(who)<Json>('POST', `/api/rentals/${rentalId}/rating`, body);

  it('lets the renter rate an ended rental once: 201, then 409 rating_exists', async () => {
    const { renter, bot, rentalId } = await rentalOf();
    const first = await rate(renter, rentalId, { stars: 4, comment: 'Quick and correct' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      subject: 'rental',
      subject_id: rentalId,
      rater_id: renter.id,
      ratee_id: bot.id,
      stars: 4,
      comment: 'Quick and correct',
    });
    const second = await rate(renter, rentalId, { stars: 5 });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({
      error: 'already rated: a rating can be given once',
      code: 'rating_exists',
    });
  });

  // Rated bots ask 1 USDT a minute: a rating counts from RATING_MIN_PAID_USDT (1) paid (issue 24.3).
  it('shows the rating on the agent profile and in the marketplace as {average, count}', async () => {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 1 });
    const before = await apiClient(stack.url)<AgentBody>('GET', `/api/agents/${bot.id}`);
    expect(before.body.rating).toEqual({ average: null, count: 0 });
    for (const stars of [5, 4, 4]) {
      const { renter, rentalId } = await rentalOf({ bot });
      expect((await rate(renter, rentalId, { stars })).status).toBe(201);
    }
    const after = await apiClient(stack.url)<AgentBody>('GET', `/api/agents/${bot.id}`);
    expect(after.body.rating).toEqual({ average: 4.33, count: 3 });
    const list = await apiClient(stack.url)<{ agents: AgentBody[] }>('GET', '/api/agents?limit=100');
    expect(list.body.agents.find((a) => a.id === bot.id)?.rating).toEqual({ average: 4.33, count: 3 });
  });

  it('stores exactly one of 20 concurrent ratings of one rental', async () => {
    const { renter, rentalId } = await rentalOf();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rate(renter, rentalId, { stars: (i % 5) + 1 })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.code === 'rating_exists')).toHaveLength(19);
    const rows = await stack.db.query('SELECT id FROM ratings WHERE subject_id = $1', [rentalId]);
    expect(rows.rowCount).toBe(1);
  });

  it('refuses a rating before the rental ended with 409 rating_before_end', async () => {
    const { renter, rentalId } = await rentalOf({ end: false });
    const res = await rate(renter, rentalId, { stars: 5 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('rating_before_end');
  });

  it('tells a stranger the rental does not exist (404) and the bot owner it may not rate (403)', async () => {
    const { owner, rentalId } = await rentalOf();
    const stranger = await createTestAccount(stack.db);
    const byStranger = await rate(stranger, rentalId, { stars: 1 });
    expect(byStranger.status).toBe(404);
    expect(byStranger.body.code).toBe('rental_not_found');
    const byOwner = await rate(owner, rentalId, { stars: 5 });
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.code).toBe('rating_not_renter');
  });

  it('refuses stars outside 1–5, non-integers and a comment with a control character (400)', async () => {
    const { renter, rentalId } = await rentalOf();
    for (const body of [
      { stars: 0 },
      { stars: 6 },
      { stars: 4.5 },
      { stars: '5' },
      { stars: 3, comment: 'a\u0007b' },
    ]) {
      const res = await rate(renter, rentalId, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation');
    }
    expect((await stack.db.query('SELECT 1 FROM ratings WHERE subject_id = $1', [rentalId])).rowCount).toBe(
      0,
    );
  });

  it('sorts the marketplace by rating: best average first, ties by count', async () => {
    const owner = await createTestAccount(stack.db);
    const tag = `rated-${randomUUID().slice(0, 8)}`;
    const bots = await Promise.all(
      [1, 2, 3].map((i) =>
        createTestAccount(stack.db, {
          kind: 'bot',
          ownerId: owner.id,
          pricePerMinute: 1,
          name: `${tag}-${i}`,
        }),
      ),
    );
    const give = async (bot: TestAccount, stars: number[]) => {
      for (const s of stars) {
        const { renter, rentalId } = await rentalOf({ bot });
        expect((await rate(renter, rentalId, { stars: s })).status).toBe(201);
      }
    };
    await give(bots[0], [3]);
    await give(bots[1], [5]);
    await give(bots[2], [5, 5]);
    const list = await apiClient(stack.url)<{ agents: AgentBody[] }>(
      'GET',
      `/api/agents?q=${tag}&sort=rating`,
    );
    expect(list.status).toBe(200);
    expect(list.body.agents.map((a) => a.id)).toEqual([bots[2].id, bots[1].id, bots[0].id]);
  });

  it('pages the rating sort by cursor: each agent once, in the one-page order, unrated last', async () => {
    const owner = await createTestAccount(stack.db);
    const tag = `paged-${randomUUID().slice(0, 8)}`;
    const bots = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        createTestAccount(stack.db, {
          kind: 'bot',
          ownerId: owner.id,
          pricePerMinute: 1,
          name: `${tag}-${i}`,
        }),
      ),
    );
    const stars: number[][] = [[3], [5], [5, 5], [], [5]];
    for (const [i, given] of stars.entries())
      for (const s of given) {
        const { renter, rentalId } = await rentalOf({ bot: bots[i] });
        expect((await rate(renter, rentalId, { stars: s })).status).toBe(201);
      }
    const client = apiClient(stack.url);
    type Page = { agents: AgentBody[]; next_cursor: string | null; has_more: boolean };
    const whole = await client<Page>('GET', `/api/agents?q=${tag}&sort=rating&limit=10`);
    const [fiveA, fiveB] = [bots[1].id, bots[4].id].sort().reverse(); // equal average and count: id order
    expect(whole.body.agents.map((a) => a.id)).toEqual([bots[2].id, fiveA, fiveB, bots[0].id, bots[3].id]);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Page } = await client<Page>(
        'GET',
        `/api/agents?q=${tag}&sort=rating&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      paged.push(...page.body.agents.map((a) => a.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(whole.body.agents.map((a) => a.id));
  });

  it('lets a task creator rate an approved submission’s worker once, shown on the worker’s profile', async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
    const worker = await createTestAccount(stack.db, { kind: 'bot' });
    const task = await as(creator)<{ id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Label 10 images',
      description: 'Label them',
      category: 'data',
      reward_usd: 1,
      slots: 1,
    });
    expect(task.status).toBe(201);
    const accepted = await as(worker)<{ acceptance_id: string }>(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/accept`,
      undefined,
      { 'Idempotency-Key': randomUUID() },
    );
    expect(accepted.status).toBe(200);
    const acceptanceId = accepted.body.acceptance_id;
    const path = `/api/v1/agent/tasks/${task.body.id}/submissions/${acceptanceId}/rating`;
    expect((await as(creator)<Json>('POST', path, { stars: 5 })).body.code).toBe(
      'rating_submission_not_approved',
    );
    const submitted = await as(worker)(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submit`,
      { proof_text: 'done' },
      {
        'Idempotency-Key': randomUUID(),
      },
    );
    expect(submitted.status).toBe(200);
    const approved = await as(creator)(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submissions/${acceptanceId}/approve`,
      {},
    );
    expect(approved.status).toBe(200);
    const byWorker = await as(worker)<Json>('POST', path, { stars: 5 });
    expect(byWorker.status).toBe(403);
    expect(byWorker.body.code).toBe('rating_not_task_creator');
    const first = await as(creator)<Json>('POST', path, { stars: 5, comment: 'great' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      subject: 'task_submission',
      subject_id: acceptanceId,
      ratee_id: worker.id,
    });
    expect((await as(creator)<Json>('POST', path, { stars: 2 })).status).toBe(409);
    const profile = await apiClient(stack.url)<AgentBody>('GET', `/api/agents/${worker.id}`);
    expect(profile.body.rating).toEqual({ average: 5, count: 1 });
  });
});
