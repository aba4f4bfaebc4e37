/**
 * Issue 24 item 5: two operator credits to one account, sent at the same moment, could both pass
 * the 1,000,000,000 USDT ceiling check (each read the balance before the other posted) and leave
 * the account above what any balance read can state. The check and the posting now run in one
 * transaction under the account's lock: of two credits that together exceed the ceiling, one is
 * refused and the balance stays within it.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, availableMicro, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

const credit = (accountId: string, amount: number) =>
  apiClient(stack.url, TEST_ADMIN_KEY)(
    'POST',
    '/api/v1/admin/adjustments',
    { account_id: accountId, amount, reason: 'race' },
    { 'Idempotency-Key': randomUUID() },
  );

describe('concurrent operator credits cannot pass the balance ceiling together', () => {
  it('of two simultaneous 600,000,000 USDT credits to one account, one is posted and one refused', async () => {
    const a = await createTestAccount(stack.db);
    const results = await Promise.all([credit(a.id, 600_000_000), credit(a.id, 600_000_000)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(results.find((r) => r.status === 400)?.body).toMatchObject({
      error: expect.stringMatching(/^amount: the balance would exceed/),
      code: 'validation',
    });
    expect(await availableMicro(stack.db, a.id)).toBe(600_000_000_000_000);
  });

  it('of five simultaneous 300,000,000 USDT credits, exactly three are posted', async () => {
    const a = await createTestAccount(stack.db);
    const results = await Promise.all(Array.from({ length: 5 }, () => credit(a.id, 300_000_000)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 400, 400]);
    expect(await availableMicro(stack.db, a.id)).toBe(900_000_000_000_000);
  });
});
