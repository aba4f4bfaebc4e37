/**
 * Issue 24.3: ratings cost what they claim. A person's own bots renting the person's bot (at the
 * minimum price or not) and rating it 5 stars, and strangers paying under RATING_MIN_PAID_USDT,
 * are answered like any rating but never move the agent's average, its counts or `sort=rating`.
 * Before the fix, the 20 bought ratings below ranked the bot first.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

interface Rating {
  average: number | null;
  count: number;
}
interface AgentBody {
  id: string;
  rating: Rating;
}
interface Page {
  agents: AgentBody[];
  next_cursor: string | null;
  has_more: boolean;
}

/** The smallest price an agent can ask: one micro-USDT per minute. */
const MIN_PRICE = 0.000001;

describe('ratings that cost what they claim', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);
  const anonymous = () => apiClient(stack.url);

  /** `renter` rents `bot` for one minute, ends it at once (billed 1 minute) and rates it. */
  async function rentAndRate(renter: TestAccount, bot: TestAccount, stars: number) {
    const started = await as(renter)<{ id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 1,
    });
    expect(started.status).toBe(201);
    expect((await as(renter)('POST', `/api/rentals/${started.body.id}/end`, {})).status).toBe(200);
    const rated = await as(renter)<{ stars: number }>('POST', `/api/rentals/${started.body.id}/rating`, {
      stars,
    });
    expect(rated.status).toBe(201);
    expect(rated.body.stars).toBe(stars);
  }

  const setPrice = (bot: TestAccount, usdtPerMinute: number) =>
    stack.db.query('UPDATE accounts SET price_per_minute = $2 WHERE id = $1', [
      bot.id,
      Math.round(usdtPerMinute * 1_000_000),
    ]);

  const profile = async (bot: TestAccount) =>
    (await anonymous()<AgentBody>('GET', `/api/agents/${bot.id}`)).body.rating;
  const userProfile = async (bot: TestAccount) =>
    (await anonymous()<{ rating: Rating }>('GET', `/api/v1/users/${bot.id}`)).body.rating;

  /** The ids of the whole marketplace in `sort=rating` order. */
  async function ratingOrder(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await anonymous()<Page>('GET', `/api/agents?sort=rating&limit=100${query}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.agents.map((a) => a.id));
      cursor = page.body.has_more ? page.body.next_cursor : null;
    } while (cursor);
    return ids;
  }

  it("twenty 5-star ratings bought by the owner's own bots at the minimum price leave sort=rating and the profile unchanged", async () => {
    // An honest agent rated 4.33 by three paying strangers, and the cheater's agent rated 3 by one.
    const honest = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
    for (const stars of [5, 4, 4]) await rentAndRate(await createFundedAccount(stack.db, 5), honest, stars);
    const cheater = await createTestAccount(stack.db);
    const target = await createTestAccount(stack.db, { kind: 'bot', ownerId: cheater.id, pricePerMinute: 1 });
    await rentAndRate(await createFundedAccount(stack.db, 5), target, 3);
    const ownBots = await Promise.all(
      Array.from({ length: 20 }, () =>
        createFundedAccount(stack.db, 1, { kind: 'bot', ownerId: cheater.id }),
      ),
    );
    const orderBefore = await ratingOrder();
    expect(orderBefore.indexOf(honest.id)).toBeLessThan(orderBefore.indexOf(target.id));
    expect(await profile(target)).toEqual({ average: 3, count: 1 });

    await setPrice(target, MIN_PRICE);
    for (const bot of ownBots) await rentAndRate(bot, target, 5);

    const stored = await stack.db.query('SELECT 1 FROM ratings WHERE ratee_id = $1', [target.id]);
    expect(stored.rowCount).toBe(21);
    expect(await profile(target)).toEqual({ average: 3, count: 1 });
    expect(await userProfile(target)).toEqual({ average: 3, count: 1 });
    expect(await ratingOrder()).toEqual(orderBefore);
  });

  it("a rating by the owner's bot does not count even when it paid well over the minimum", async () => {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 5 });
    const sibling = await createFundedAccount(stack.db, 10, { kind: 'bot', ownerId: owner.id });
    await rentAndRate(sibling, bot, 5);
    expect(await profile(bot)).toEqual({ average: null, count: 0 });
  });

  it("a stranger's rating counts from RATING_MIN_PAID_USDT (1) paid, not below", async () => {
    expect(stack.config.RATING_MIN_PAID_USDT).toBe(1);
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      ownerId: (await createTestAccount(stack.db)).id,
    });
    await setPrice(bot, 0.999999);
    await rentAndRate(await createFundedAccount(stack.db, 2), bot, 1);
    expect(await profile(bot)).toEqual({ average: null, count: 0 });
    await setPrice(bot, 1);
    await rentAndRate(await createFundedAccount(stack.db, 2), bot, 5);
    expect(await profile(bot)).toEqual({ average: 5, count: 1 });
    expect(await userProfile(bot)).toEqual({ average: 5, count: 1 });
  });

  /** `creator` posts a task with `reward`, `worker` does it, `creator` approves and rates it 5. */
  async function taskRated(creator: TestAccount, worker: TestAccount, reward: number) {
    const task = await as(creator)<{ id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Label 10 images',
      description: 'Label them',
      category: 'data',
      reward_usd: reward,
      slots: 1,
    });
    expect(task.status).toBe(201);
    const key = () => ({ 'Idempotency-Key': randomUUID() });
    const accepted = await as(worker)<{ acceptance_id: string }>(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/accept`,
      undefined,
      key(),
    );
    expect(accepted.status).toBe(200);
    const base = `/api/v1/agent/tasks/${task.body.id}/submissions/${accepted.body.acceptance_id}`;
    const submitted = await as(worker)(
      'POST',
      `/api/v1/agent/tasks/${task.body.id}/submit`,
      { proof_text: 'done' },
      key(),
    );
    expect(submitted.status).toBe(200);
    expect((await as(creator)('POST', `${base}/approve`, {})).status).toBe(200);
    expect((await as(creator)('POST', `${base}/rating`, { stars: 5 })).status).toBe(201);
  }

  it("a task creator rating its own bot's approved work does not count; a stranger's paid task does", async () => {
    const creator = await createFundedAccount(stack.db, 10);
    const ownWorker = await createTestAccount(stack.db, { kind: 'bot', ownerId: creator.id });
    await taskRated(creator, ownWorker, 2);
    expect(await profile(ownWorker)).toEqual({ average: null, count: 0 });
    await taskRated(await createFundedAccount(stack.db, 10), ownWorker, 1);
    expect(await profile(ownWorker)).toEqual({ average: 5, count: 1 });
  });
});
