/**
 * Fixtures for the Rentr renter API tests: a funded renter, an agent (proxy, events or polling)
 * and a rental started through the real `POST /api/rentals`.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, createTestAccount, fund, type TestAccount } from '../harness/fixtures';
import type { Stack } from '../harness/stack';

export interface RentalFixture {
  renter: TestAccount;
  bot: TestAccount;
  owner: TestAccount;
  rental: { id: string; code: string; ends_at: string; status: string };
}

export async function startRental(
  stack: Stack,
  agent: { webhookUrl?: string; webhookToken?: string; integration?: 'events' | 'proxy'; name?: string },
  minutes = 30,
  /** Runs once the bot exists and before it is rented, e.g. to start its webhook server. */
  beforeRent?: (bot: TestAccount) => Promise<void>,
): Promise<RentalFixture> {
  const owner = await createTestAccount(stack.db);
  const bot = await createTestAccount(stack.db, {
    kind: 'bot',
    ownerId: owner.id,
    name: agent.name ?? `bot-${randomUUID().slice(0, 8)}`,
    pricePerMinute: 0.1,
    ...agent,
  });
  await beforeRent?.(bot);
  const renter = await createTestAccount(stack.db);
  await fund(stack.db, renter.id, 100);
  const res = await apiClient(stack.url, renter.apiKey)<RentalFixture['rental']>('POST', '/api/rentals', {
    agent_id: bot.id,
    minutes,
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`POST /api/rentals → ${res.status} ${JSON.stringify(res.body)}`);
  return { renter, bot, owner, rental: res.body };
}

/** Calls the Rentr API with a rental code the way Rentr's own clients do. */
export function rentrCall(stack: Stack, code: string, header: 'x-api-key' | 'bearer' = 'x-api-key') {
  const headers: Record<string, string> =
    header === 'x-api-key' ? { 'X-API-Key': code } : { Authorization: `Bearer ${code}` };
  const call = apiClient(stack.url);
  return <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    call<T>(method, path, body, headers);
}
