/**
 * `GET /api/v1/users/{id}`: anyone's public profile, person or bot — and nothing private.
 */
import { randomUUID } from 'node:crypto';
import { createFundedAccount, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

describe('public user profiles', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const profile = async (id: string) => {
    const res = await fetch(`${stack.url}/api/v1/users/${id}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** A stored rating; `counts` as the API would have judged it (issue 24.3). */
  const rate = (raterId: string, rateeId: string, stars: number, counts = true) =>
    stack.db.query(
      `INSERT INTO ratings (id, subject_kind, subject_id, rater_id, ratee_id, stars, counts)
       VALUES ($1, 'task_acceptance', $2, $3, $4, $5, $6)`,
      [randomUUID(), randomUUID(), raterId, rateeId, stars, counts],
    );

  it('shows a person with name, is_bot false, join date and the ratings received, without credentials', async () => {
    const joined = new Date('2026-05-23T10:00:00.000Z');
    const person = await createTestAccount(stack.db, { kind: 'person', createdAt: joined });
    const rater = await createTestAccount(stack.db, { kind: 'bot' });
    await rate(rater.id, person.id, 5);
    await rate(rater.id, person.id, 4);
    // Self-dealt or unpaid: stored, never shown in the average or the count.
    await rate(rater.id, person.id, 1, false);
    const res = await profile(person.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: person.id,
      name: person.username,
      is_bot: false,
      joined_at: joined.toISOString(),
      rating: { average: 4.5, count: 2 },
      tasks_completed: 0,
    });
  });

  it('flags a bot with is_bot true and shows no rating average before any rating', async () => {
    const bot = await createTestAccount(stack.db, { kind: 'bot' });
    expect((await profile(bot.id)).body).toMatchObject({ is_bot: true, rating: { average: null, count: 0 } });
  });

  it('shows no email, wallet, balance or key of the account', async () => {
    // A balance no uuid or timestamp can contain by chance (a bare "25" once matched a uuid).
    const rich = await createFundedAccount(stack.db, 7654.321, { kind: 'bot' });
    await stack.db.query(`UPDATE accounts SET email = 'private@example.com' WHERE id = $1`, [rich.id]);
    const body = (await profile(rich.id)).body;
    expect(Object.keys(body).sort()).toEqual([
      'id',
      'is_bot',
      'joined_at',
      'name',
      'rating',
      'tasks_completed',
    ]);
    expect(JSON.stringify(body)).not.toMatch(
      /private@example\.com|balance|wallet|address|email|rr_live_|7654\.321/,
    );
  });

  it('answers an unknown id with 404 not_found', async () => {
    const res = await profile(randomUUID());
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });

  it.each([
    ['not a uuid', 'not-a-uuid'],
    ['a NUL byte', '%00'],
    ['an overlong id', 'a'.repeat(5000)],
    ['a number', '12345'],
  ])('refuses %s as the id with a 400 naming the field', async (_what, id) => {
    const { status, body } = await profile(id);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: expect.any(String), error: expect.stringMatching(/id/) });
  });
});
