// Lint proves itself: every boundary of eslint.config.mjs (docs/ARCHITECTURE.md, "Layers") fires
// on a snippet that crosses it, and a snippet that keeps to its layer passes clean. A rule that
// silently stops firing (a typo in a glob, a block that replaces another's options) turns this red.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Snippet {
  filePath: string;
  code: string;
}
interface Message {
  ruleId: string | null;
  message: string;
  line: number;
}

const ROOT = path.resolve(__dirname, '../..');

/** Lints all snippets in one child process (ESLint loads its config with a dynamic import). */
function lint(snippets: Snippet[]): Message[][] {
  const run = spawnSync(process.execPath, ['test/harness/lint-snippets.mjs'], {
    cwd: ROOT,
    input: JSON.stringify(snippets),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`lint-snippets failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Message[][];
}

const IMPORTS = 'no-restricted-imports';
const SQL = 'agentrent/no-sql-text';

/** [boundary, file the snippet pretends to be, code, rule that must fire, its message]. */
const VIOLATIONS: [string, string, string, string, RegExp][] = [
  // domain/: pure — no I/O, no other layer, no clock, no randomness.
  ['domain imports pg', 'domain/x.ts', "import pg from 'pg';\nexport { pg };", IMPORTS, /domain\/ is pure/],
  [
    'domain imports a store',
    'domain/x.ts',
    "export { postJournal } from '../db/ledger';",
    IMPORTS,
    /no other layer/,
  ],
  [
    'domain imports an activity',
    'domain/x.ts',
    "export { a } from '../activities/x';",
    IMPORTS,
    /no other layer/,
  ],
  [
    'domain imports randomness from node:crypto',
    'domain/x.ts',
    "import { randomBytes } from 'node:crypto';\nexport const k = randomBytes(8);",
    IMPORTS,
    /reads no randomness/,
  ],
  [
    'domain imports randomness from crypto',
    'domain/x.ts',
    "import { randomUUID } from 'crypto';\nexport const k = randomUUID();",
    IMPORTS,
    /reads no randomness/,
  ],
  [
    'domain reads process.hrtime',
    'domain/x.ts',
    'export const t = () => process.hrtime.bigint();',
    'no-restricted-properties',
    /no clock/,
  ],
  [
    'domain imports all of node:crypto',
    'domain/x.ts',
    "import * as c from 'node:crypto';\nexport { c };",
    IMPORTS,
    /reads no randomness/,
  ],
  [
    'domain reads Date.now()',
    'domain/x.ts',
    'export const t = () => Date.now();',
    'no-restricted-properties',
    /no clock/,
  ],
  [
    'domain reads new Date()',
    'domain/x.ts',
    'export const t = () => new Date();',
    'no-restricted-syntax',
    /no clock/,
  ],
  [
    'domain reads Date()',
    'domain/x.ts',
    'export const t = () => Date();',
    'no-restricted-syntax',
    /no clock/,
  ],
  [
    'domain reads performance.now()',
    'domain/x.ts',
    'export const t = () => performance.now();',
    'no-restricted-globals',
    /no clock/,
  ],
  [
    'domain sets a timer',
    'domain/x.ts',
    'export const t = (f: () => void) => setTimeout(f, 1);',
    'no-restricted-globals',
    /no clock/,
  ],
  [
    'domain reads Math.random()',
    'domain/x.ts',
    'export const r = () => Math.random();',
    'no-restricted-properties',
    /no randomness/,
  ],
  [
    'domain reads crypto.randomUUID()',
    'domain/x.ts',
    'export const r = () => crypto.randomUUID();',
    'no-restricted-globals',
    /no randomness/,
  ],
  ['domain writes SQL', 'domain/x.ts', "export const q = 'SELECT 1';", SQL, /SQL lives in the stores/],
  // db/: pg, node:crypto, domain/ and its own helpers only.
  ['db imports undici', 'db/x.ts', "export { fetch } from 'undici';", IMPORTS, /db\/ imports only pg/],
  [
    'db imports an activity',
    'db/x.ts',
    "export { a } from '../activities/x';",
    IMPORTS,
    /db\/ imports only domain/,
  ],
  ['db imports api', 'db/x.ts', "export { a } from '../api/x';", IMPORTS, /db\/ imports only domain/],
  [
    'db imports a workflow contract',
    'db/x.ts',
    "export { a } from '../workflows/rental/contract';",
    IMPORTS,
    /db\/ imports only domain/,
  ],
  [
    'db imports the worker',
    'db/x.ts',
    "export type { Logger } from '../worker/logger';",
    IMPORTS,
    /db\/ imports only domain/,
  ],
  // workflows/: no SQL, no db/, activities as types only, other contexts through their contracts.
  [
    'a workflow imports a store',
    'workflows/rental/x.ts',
    "export { a } from '../../db/rentals';",
    IMPORTS,
    /Workflows run no SQL/,
  ],
  [
    'a workflow imports pg',
    'workflows/rental/x.ts',
    "import pg from 'pg';\nexport { pg };",
    IMPORTS,
    /Workflows run no SQL/,
  ],
  [
    'a top-level workflow module imports a store',
    'workflows/x.ts',
    "export { a } from '../db/rentals';",
    IMPORTS,
    /Workflows run no SQL/,
  ],
  [
    'a workflow imports activity code',
    'workflows/rental/x.ts',
    "export { createHoldActivities } from '../../activities/holds';",
    IMPORTS,
    /activities\/ as types only/,
  ],
  [
    "a workflow imports another context's implementation",
    'workflows/rental/x.ts',
    "export { a } from '../task/workflow';",
    IMPORTS,
    /through its contract/,
  ],
  [
    'a workflow imports the Temporal client',
    'workflows/rental/x.ts',
    "export { Client } from '@temporalio/client';",
    '@typescript-eslint/no-restricted-imports',
    /import types only/,
  ],
  [
    'a workflow writes SQL',
    'workflows/rental/x.ts',
    "export const q = 'DELETE FROM rentals';",
    SQL,
    /SQL lives/,
  ],
  // activities/: stores, not pg; never api/; worker/ as types only; workflows through contracts.
  [
    'an activity imports pg',
    'activities/x.ts',
    "import pg from 'pg';\nexport { pg };",
    IMPORTS,
    /through the stores/,
  ],
  [
    'an activity imports api',
    'activities/x.ts',
    "export { a } from '../api/use-cases/x';",
    IMPORTS,
    /never import api/,
  ],
  [
    'an activity imports worker code',
    'activities/x.ts',
    "export { createLogger } from '../worker/logger';",
    IMPORTS,
    /worker\/ as types only/,
  ],
  [
    'an activity imports a workflow implementation',
    'activities/x.ts',
    "export { a } from '../workflows/rental/workflow';",
    IMPORTS,
    /through its contract/,
  ],
  [
    'an activity writes SQL',
    'activities/x.ts',
    "export const q = 'INSERT INTO rentals (id) VALUES ($1)';",
    SQL,
    /SQL lives/,
  ],
  // services/: stores, not pg; never api/ or activities/; worker/ as types only.
  [
    'a service imports pg',
    'services/x.ts',
    "import pg from 'pg';\nexport { pg };",
    IMPORTS,
    /through the stores/,
  ],
  [
    'a service imports an activity',
    'services/x.ts',
    "export { a } from '../activities/rentals';",
    IMPORTS,
    /never import api\/ or activities/,
  ],
  [
    'a service imports api',
    'services/x.ts',
    "export { a } from '../api/use-cases/x';",
    IMPORTS,
    /never import api\/ or activities/,
  ],
  [
    'a service imports worker code',
    'services/x.ts',
    "export { createLogger } from '../worker/logger';",
    IMPORTS,
    /worker\/ as types only/,
  ],
  [
    'domain imports a service',
    'domain/x.ts',
    "export { a } from '../services/network-policy';",
    IMPORTS,
    /domain\/ is pure/,
  ],
  // api/: stores, not the pool or pg; workflows through contracts; never activities/.
  [
    'api imports an activity',
    'api/use-cases/x.ts',
    "export { a } from '../../activities/network-policy';",
    IMPORTS,
    /api\/ never imports activities/,
  ],
  [
    'api imports pg',
    'api/use-cases/x.ts',
    "import pg from 'pg';\nexport { pg };",
    IMPORTS,
    /SQL lives in the stores/,
  ],
  [
    'api imports the pool',
    'api/use-cases/x.ts',
    "export { withTransaction } from '../../db/pool';",
    IMPORTS,
    /instead of the pool/,
  ],
  [
    'api imports a workflow implementation',
    'api/use-cases/x.ts',
    "export { a } from '../../workflows/rental/workflow';",
    IMPORTS,
    /through its contract/,
  ],
  [
    'api imports worker code',
    'api/routes/x.ts',
    "export { createLogger } from '../../worker/logger';",
    IMPORTS,
    /worker\/ as types only/,
  ],
  [
    'api writes SQL',
    'api/use-cases/x.ts',
    'export const q = (t: string) => `UPDATE ${t} SET a = 1`;',
    SQL,
    /SQL lives/,
  ],
  [
    'the api composition root imports an activity',
    'api/server.ts',
    "export { a } from '../activities/x';",
    IMPORTS,
    /api\/ never imports activities/,
  ],
  [
    'the api app imports an activity',
    'api/app.ts',
    "export { a } from '../activities/x';",
    IMPORTS,
    /api\/ never imports activities/,
  ],
  // worker/: the registration index, not an implementation; no pg; no SQL.
  [
    'the worker imports a workflow implementation',
    'worker/x.ts',
    "export { a } from '../workflows/rental/workflow';",
    IMPORTS,
    /through its contract/,
  ],
  [
    'the worker imports pg',
    'worker/x.ts',
    "import pg from 'pg';\nexport { pg };",
    IMPORTS,
    /through db\/pool/,
  ],
  [
    'the worker writes SQL',
    'worker/x.ts',
    "export const q = 'SELECT count(*) FROM rentals';",
    SQL,
    /SQL lives/,
  ],
  // Outside the layers: SQL only where the exemptions say; unit tests reach workflows by contract.
  ['devchain writes SQL', 'devchain/x.ts', "export const q = 'DELETE FROM blocks';", SQL, /SQL lives/],
  ['a script writes SQL', 'scripts/x.ts', "export const q = 'TRUNCATE accounts';", SQL, /SQL lives/],
  ['a .mjs file writes SQL', 'scripts/x.mjs', "export const q = 'SELECT 1';", SQL, /SQL lives/],
  [
    'a unit test imports a workflow implementation',
    'test/unit/x.test.ts',
    "export { a } from '../../workflows/rental/workflow';",
    IMPORTS,
    /through its contract/,
  ],
];

/** [layer, file, code that keeps to the layer's rules]. */
const CLEAN: [string, string, string][] = [
  [
    'domain',
    'domain/x.ts',
    [
      "import { createHash } from 'node:crypto';",
      "import type { RandomBytes } from './ids';",
      "import { toMicro } from './money';",
      'export const at = (ms: number) => new Date(ms);',
      "export const digest = (s: string) => createHash('sha256').update(s).digest('hex');",
      'export const key = (random: RandomBytes) => toMicro(random(1)[0]);',
      "export const hint = 'Select a file from your computer, then update your profile settings.';",
    ].join('\n'),
  ],
  [
    'db',
    'db/x.ts',
    [
      "import pg from 'pg';",
      "import { randomUUID } from 'node:crypto';",
      "import { type Queryable, withTransaction } from './pool';",
      "import { toMicro } from '../domain/money';",
      "export const byId = (db: Queryable, id: string) => db.query('SELECT id FROM rentals WHERE id = $1', [id]);",
      'export const all = [pg, randomUUID, withTransaction, toMicro];',
    ].join('\n'),
  ],
  [
    'workflows',
    'workflows/rental/x.ts',
    [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import type { Client } from '@temporalio/client';",
      "import type { createHoldActivities } from '../../activities/holds';",
      "import type { Db } from '../../db/pool';",
      "import { TASK_WORKFLOW_TYPE } from '../task/contract';",
      "import { toMicro } from '../../domain/money';",
      "const acts = proxyActivities<ReturnType<typeof createHoldActivities>>({ startToCloseTimeout: '1m' });",
      'export const all: [unknown, Client | null, Db | null] = [[acts, TASK_WORKFLOW_TYPE, toMicro], null, null];',
    ].join('\n'),
  ],
  [
    'activities',
    'activities/x.ts',
    [
      "import type { Logger } from '../worker/logger';",
      "import { withTransaction } from '../db/pool';",
      "import { rentalQuoteOf } from '../db/rentals';",
      "import { rentalStartOptions } from '../workflows/rental/contract';",
      "import { fetch } from 'undici';",
      'export const all: unknown[] = [withTransaction, rentalQuoteOf, rentalStartOptions, fetch];',
      'export type L = Logger;',
    ].join('\n'),
  ],
  [
    'api',
    'api/use-cases/x.ts',
    [
      "import type { Db } from '../../db/pool';",
      "import type { Logger } from '../../worker/logger';",
      "import { rentalQuoteOf } from '../../db/rentals';",
      "import { rentalStartOptions } from '../../workflows/rental/contract';",
      "import { appError } from '../../domain/errors';",
      'export const all: unknown[] = [rentalQuoteOf, rentalStartOptions, appError];',
      'export type T = [Db, Logger];',
      "export const hint = 'Set or remove your webhook; select an agent from the list.';",
    ].join('\n'),
  ],
  [
    'api composition root',
    'api/server.ts',
    [
      "import { createPool } from '../db/pool';",
      "import { createLogger } from '../worker/logger';",
      'export const all = [createPool, createLogger];',
    ].join('\n'),
  ],
  [
    'worker',
    'worker/x.ts',
    [
      "import { workflows } from '../workflows/index';",
      "import { createPool } from '../db/pool';",
      "import { createHoldActivities } from '../activities/holds';",
      'export const all: unknown[] = [workflows, createPool, createHoldActivities];',
    ].join('\n'),
  ],
  [
    'tests (exempt from the SQL rule)',
    'test/integration/x.test.ts',
    "export const q = 'SELECT id FROM rentals';",
  ],
  [
    'the database bootstrap script',
    'scripts/postgres.ts',
    'export const q = (d: string) => `CREATE DATABASE "${d}"`;',
  ],
];

/** What the SQL rule sees (in api/x.ts) and what it leaves alone; see lint-rules/no-sql-text.mjs. */
const SQL_SEEN = [
  'SELECT 1',
  'SELECT pg_advisory_xact_lock($1)',
  '\n  -- the newest first\n  SELECT id, created_at FROM rentals ORDER BY created_at DESC',
  '(SELECT count(*) FROM tasks)',
  'insert into accounts (id) values ($1)',
  'update rentals set ended = true',
  'Delete From webhooks',
  'WITH moved AS (DELETE FROM queue RETURNING id) SELECT count(*) FROM moved',
  'CREATE UNIQUE INDEX x ON y (z)',
  'ALTER TABLE rentals ADD COLUMN z int',
  'LOCK TABLE ledger_accounts IN EXCLUSIVE MODE',
  'BEGIN',
  'NOTIFY ledger_posted',
  ' AND account_id = $2',
  'WHERE id = $1 RETURNING *',
];
const SQL_NOT_SEEN = [
  'Select a file from your computer.',
  'Set or remove (null) your webhook URL.',
  'Update your profile settings.',
  'Insert a coin',
  'begin',
  'Costs $1 per minute',
  '$1[redacted]',
  'ORDER BY created_at DESC',
];

const sqlSnippet = (text: string): Snippet => ({
  filePath: 'api/x.ts',
  code: `export const q = ${JSON.stringify(text)};`,
});

/** Each `.query(` call of db/ whose first argument is a literal: [file, line of the literal]. */
function storeQueries(): [string, number][] {
  const found: [string, number][] = [];
  for (const name of readdirSync(path.join(ROOT, 'db')).filter((n) => n.endsWith('.ts'))) {
    const source = readFileSync(path.join(ROOT, 'db', name), 'utf8');
    for (const m of source.matchAll(/\.query(?:<[^;]*?>)?\(\s*(['"`])/g)) {
      const at = (m.index ?? 0) + m[0].length - 1;
      found.push([name, source.slice(0, at).split('\n').length]);
    }
  }
  return found;
}

let violations: Message[][];
let clean: Message[][];
let seen: Message[][];
let notSeen: Message[][];
let stores: Message[][];
const queries = storeQueries();
const storeFiles = [...new Set(queries.map(([name]) => name))];

beforeAll(() => {
  const all: Snippet[] = [
    ...VIOLATIONS.map(([, filePath, code]) => ({ filePath, code })),
    ...CLEAN.map(([, filePath, code]) => ({ filePath, code })),
    ...SQL_SEEN.map(sqlSnippet),
    ...SQL_NOT_SEEN.map(sqlSnippet),
    // The stores' own code, linted as if it stood in activities/: every query must be seen.
    ...storeFiles.map((name) => ({
      filePath: `activities/${name}`,
      code: readFileSync(path.join(ROOT, 'db', name), 'utf8'),
    })),
  ];
  const results = lint(all);
  let i = 0;
  const take = (n: number) => results.slice(i, (i += n));
  violations = take(VIOLATIONS.length);
  clean = take(CLEAN.length);
  seen = take(SQL_SEEN.length);
  notSeen = take(SQL_NOT_SEEN.length);
  stores = take(storeFiles.length);
}, 120_000);

describe('each boundary fires on a snippet that crosses it', () => {
  test.each(VIOLATIONS.map((v, i) => [v[0], i, v[3], v[4]] as const))('%s', (_name, i, ruleId, message) => {
    expect(violations[i]).toEqual([
      { ruleId, message: expect.stringMatching(message), line: expect.any(Number) },
    ]);
  });
});

describe('a snippet that keeps to its layer passes', () => {
  test.each(CLEAN.map((c, i) => [c[0], i] as const))('%s', (_layer, i) => {
    expect(clean[i]).toEqual([]);
  });
});

describe('the SQL rule', () => {
  test.each(SQL_SEEN.map((text, i) => [JSON.stringify(text), i] as const))('sees %s', (_text, i) => {
    expect(seen[i].map((m) => m.ruleId)).toEqual([SQL]);
  });

  test.each(SQL_NOT_SEEN.map((text, i) => [JSON.stringify(text), i] as const))(
    'leaves %s alone',
    (_text, i) => {
      expect(notSeen[i]).toEqual([]);
    },
  );

  test('sees the first argument of every query the stores run', () => {
    expect(queries.length).toBeGreaterThan(100);
    const linesSeen = new Map(
      storeFiles.map((name, i) => [
        name,
        new Set(stores[i].filter((m) => m.ruleId === SQL).map((m) => m.line)),
      ]),
    );
    expect(queries.filter(([name, line]) => !linesSeen.get(name)?.has(line))).toEqual([]);
  });
});
