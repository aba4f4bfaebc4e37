/**
 * Issue 24 item 5: a forged cursor must never reach Postgres. Cursors are base64url JSON, so
 * anyone can mint one with the right list tag and a key that is not what the list hands out — a
 * time that is no time, an id that is no uuid, a number past the column's range, a NUL in a text
 * key. Before, those reached `::timestamptz` / `::uuid` / `::int` and answered 500. Every list
 * that takes a cursor now answers 400 `invalid_cursor` for each of them, and for garbage.
 */
import { randomUUID } from 'node:crypto';
import { apiClient, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

let stack: Stack;
let me: TestAccount;
let rentalId: string;
let peer: TestAccount;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  me = await createTestAccount(stack.db);
  peer = await createTestAccount(stack.db);
  const bot = await createTestAccount(stack.db, { kind: 'bot', pricePerMinute: 1 });
  rentalId = randomUUID();
  await stack.db.query(
    `INSERT INTO rentals (id, code, agent_id, renter_id, owner_id, status, minutes, price_per_minute, starts_at, ends_at)
     VALUES ($1, $2, $3, $4, $3, 'active', 5, 1000000, now(), now() + interval '5 minutes')`,
    [rentalId, rentalId.slice(0, 8), bot.id, me.id],
  );
});
afterAll(async () => {
  await stack?.stop();
});

type Kind = 'time' | 'uuid' | 'text' | 'int' | 'bigint';
interface List {
  path: () => string;
  tag: () => string;
  shape: Kind[];
  admin?: boolean;
}

const T = '2026-01-01T00:00:00.000000Z';
const U = '00000000-0000-4000-8000-000000000000';
const valid: Record<Kind, string | number> = { time: T, uuid: U, text: 'ab', int: 1, bigint: 1 };

const LISTS: Record<string, List> = {
  'GET /api/rentals': { path: () => '/api/rentals', tag: () => 'rentals', shape: ['time', 'uuid'] },
  'GET /api/rentals/{id}/messages': {
    path: () => `/api/rentals/${rentalId}/messages`,
    tag: () => `messages:${rentalId}`,
    shape: ['int'],
  },
  'GET /api/rentals/{id}/files': {
    path: () => `/api/rentals/${rentalId}/files`,
    tag: () => 'rental-files',
    shape: ['time', 'uuid'],
  },
  'GET /api/v1/keys': { path: () => '/api/v1/keys', tag: () => 'keys', shape: ['time', 'uuid'] },
  'GET /api/agents': { path: () => '/api/agents', tag: () => 'agents:newest', shape: ['time', 'uuid'] },
  'GET /api/agents?sort=price_asc': {
    path: () => '/api/agents?sort=price_asc',
    tag: () => 'agents:price_asc',
    shape: ['bigint', 'uuid'],
  },
  'GET /api/agents?sort=rating': {
    path: () => '/api/agents?sort=rating',
    tag: () => 'agents:rating',
    shape: ['bigint', 'bigint', 'uuid'],
  },
  'GET /api/v1/messages': {
    path: () => `/api/v1/messages?with=${peer.id}`,
    tag: () => 'direct_messages',
    shape: ['bigint'],
  },
  'GET /api/v1/finance/deposits': {
    path: () => '/api/v1/finance/deposits',
    tag: () => 'deposits',
    shape: ['time', 'text', 'int'],
  },
  'GET /api/v1/finance/transactions': {
    path: () => '/api/v1/finance/transactions',
    tag: () => 'transactions',
    shape: ['bigint'],
  },
  'GET /api/v1/webhooks/deliveries': {
    path: () => '/api/v1/webhooks/deliveries',
    tag: () => 'deliveries',
    shape: ['bigint'],
  },
  'GET /api/v1/admin/reconciler/repairs': {
    path: () => '/api/v1/admin/reconciler/repairs',
    tag: () => 'repairs',
    shape: ['time', 'uuid'],
    admin: true,
  },
  'GET /api/v1/admin/withdrawals': {
    path: () => '/api/v1/admin/withdrawals',
    tag: () => 'admin-withdrawals:review',
    shape: ['time', 'uuid'],
    admin: true,
  },
  'GET /api/v1/admin/webhooks/disabled': {
    path: () => '/api/v1/admin/webhooks/disabled',
    tag: () => 'admin-disabled-endpoints',
    shape: ['time', 'uuid'],
    admin: true,
  },
  'GET /api/v1/admin/audit': {
    path: () => '/api/v1/admin/audit',
    tag: () => 'admin-audit',
    shape: ['bigint'],
    admin: true,
  },
  'GET /api/v1/admin/alerts': {
    path: () => '/api/v1/admin/alerts',
    tag: () => 'admin-alerts',
    shape: ['bigint'],
    admin: true,
  },
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** What to put at a position of `kind` to forge a cursor that type-checks as JSON but not as SQL. */
const FORGERIES: Record<Kind, [string, string | number][]> = {
  time: [
    ['a non-date timestamp', 'not-a-date'],
    ['a timestamp of a day that does not exist', '2026-02-31T00:00:00.000000Z'],
    ['a timestamp of year 0', '0000-01-01T00:00:00.000000Z'],
  ],
  uuid: [
    ['a non-uuid id', 'not-a-uuid'],
    ['an id with a NUL', `${U.slice(0, 35)}\u0000`],
  ],
  text: [['a text key with a NUL', 'ab\u0000cd']],
  int: [['an integer past 32 bits', 2 ** 40]],
  bigint: [['an integer past 53 bits', 2 ** 60]],
};

/** The forged cursors of a list: garbage, a wrong-shaped key, and one bad position at a time. */
function forgedCursors(list: List): [string, string][] {
  const out: [string, string][] = [
    ['garbage', '!!!not a cursor'],
    ['valid base64url of no JSON', Buffer.from('hello').toString('base64url')],
    ['valid base64url JSON of the wrong shape', b64({ list: list.tag() })],
    ['the right tag with a key too short', b64([list.tag()])],
  ];
  list.shape.forEach((kind, i) => {
    for (const [what, bad] of FORGERIES[kind]) {
      const key = list.shape.map((k, j) => (j === i ? bad : valid[k]));
      out.push([`${what} at position ${i}`, b64([list.tag(), ...key])]);
    }
  });
  return out;
}

const cases = Object.entries(LISTS).flatMap(([name, list]) =>
  forgedCursors(list).map(([what, cursor]) => [name, what, list, cursor] as const),
);

describe('a forged cursor is a 400 invalid_cursor on every list, never a 500', () => {
  it.each(cases)('%s: %s', async (_name, _what, list, cursor) => {
    const call = apiClient(stack.url, list.admin ? TEST_ADMIN_KEY : me.apiKey);
    const path = list.path();
    const sep = path.includes('?') ? '&' : '?';
    const r = await call('GET', `${path}${sep}cursor=${encodeURIComponent(cursor)}`);
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 400, code: 'invalid_cursor' });
  });

  it('the valid cursor the forgeries start from is accepted (the forgeries differ only in the bad part)', async () => {
    for (const list of Object.values(LISTS)) {
      const key = list.shape.map((k) => valid[k]);
      const call = apiClient(stack.url, list.admin ? TEST_ADMIN_KEY : me.apiKey);
      const path = list.path();
      const sep = path.includes('?') ? '&' : '?';
      const r = await call('GET', `${path}${sep}cursor=${b64([list.tag(), ...key])}`);
      // Direct messages need a shared task or rental with the peer: 403 after the cursor is read.
      expect({ path, status: r.status }).toEqual({ path, status: path.includes('with=') ? 403 : 200 });
    }
  });

  it('task search: a forged cursor in the POST body is a 400 invalid_cursor', async () => {
    const call = apiClient(stack.url, me.apiKey);
    for (const cursor of [b64(['tasks', 'not-a-date', U]), b64(['tasks', T, 'not-a-uuid'])]) {
      const r = await call('POST', '/api/v1/agent/tasks/search', { cursor });
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 400, code: 'invalid_cursor' });
    }
  });
});
