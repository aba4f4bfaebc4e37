// Flat config: typescript-eslint recommended rules, Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import agentrentRules from './lint-rules/no-sql-text.mjs';

// ── Layer boundary: workflow contracts (issue 13.1) ─────────────────────────────────────────────
// Outside workflows/, a workflow is reached only through its contract,
// `workflows/<context>/contract.ts` (ids, messages, types, start options): importing any other
// module under workflows/ (an implementation, state class, failures.ts, the index) is an error.
// Exceptions: the worker registers the index (`workflows/index.ts`); workflow bundle entries
// (`*-workflows.ts`, passed as `workflowsPath`) re-export implementations; unit tests of a state
// class import `workflows/<context>/state`. Inside workflows/, one context reaches another only
// through its contract too. The patterns are exported constants so other boundary blocks that
// also configure `no-restricted-imports` for the same files can combine them (flat config
// replaces a rule's options per file; it does not merge them).
/** Any workflows/ module but a contract: `workflows`, `workflows/index`, `workflows/rental/workflow` … */
export const WORKFLOW_INTERNALS = {
  regex: '^(?:.*/)?workflows(?:$|/(?![\\w-]+/contract$))',
  message:
    'Reach a workflow through its contract (workflows/<context>/contract.ts), not its implementation (docs/ARCHITECTURE.md, issue 13).',
};
/** As above, but the registration index (the worker) may be imported. */
export const WORKFLOW_INTERNALS_BUT_INDEX = {
  ...WORKFLOW_INTERNALS,
  regex: '^(?:.*/)?workflows/(?!(?:[\\w-]+/contract|index)$)',
};
/** As above, but a state class may be imported (its unit tests). */
export const WORKFLOW_INTERNALS_BUT_STATE = {
  ...WORKFLOW_INTERNALS,
  regex: '^(?:.*/)?workflows(?:$|/(?![\\w-]+/(?:contract|state)$))',
};
/** From `workflows/<context>/…`: another context's module other than its contract. */
export const OTHER_WORKFLOW_CONTEXT = {
  regex: '^\\.\\./(?!(?:[\\w-]+/contract|failures|contract-types)$)[\\w-]+/',
  message: "Reach another workflow context through its contract ('../<context>/contract').",
};
/** Workflow code runs in the sandbox: client, worker and activity packages only as `import type`. */
export const WORKFLOW_SANDBOX_PATHS = [
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
].map((name) => ({
  name,
  allowTypeImports: true,
  message: 'Workflow code and contracts run in the workflow sandbox: import types only from this package.',
}));
// ── Layer boundaries (issues 13 and 22; docs/ARCHITECTURE.md, table "Layers") ─────────────────
// Each constant below is one boundary with its own message. Flat config replaces a rule's options
// per file (the last matching block wins; it does not merge them), so every layer block lists all
// the patterns that apply to its files. test/unit/lint-rules.test.ts lints a violating snippet for
// each of them and fails when one stops firing.

/** A relative import of another layer's folder, e.g. `../activities/x` or `../../worker`. */
const layerImport = (...layers) => `^\\.{1,2}/(?:.*/)?(?:${layers.join('|')})(?:/|$)`;

const NO_PG = (message) => ({ name: 'pg', message });
const NO_POOL = {
  group: ['**/db/pool'],
  allowTypeImports: true,
  message: 'Call a store (db/<context>.ts) or db/transaction instead of the pool.',
};
const WORKFLOWS_RUN_NO_SQL = 'Workflows run no SQL: an activity calls the store.';
const NO_DB_IN_WORKFLOWS = { group: ['**/db/*'], allowTypeImports: true, message: WORKFLOWS_RUN_NO_SQL };
/** Workflow code runs in the sandbox: an activity's types feed proxyActivities, its code never. */
const ACTIVITY_TYPES_ONLY_IN_WORKFLOWS = {
  regex: layerImport('activities'),
  allowTypeImports: true,
  message: 'Workflow code runs in the sandbox: import activities/ as types only (proxyActivities<…>).',
};
/** api/ asks workflows; it does not run activities' code (docs/ARCHITECTURE.md). */
const NO_ACTIVITIES_IN_API = {
  regex: layerImport('activities'),
  message:
    'api/ never imports activities/: start or signal a workflow through its contract, or move the pure part to domain/.',
};
/** The process runtime (worker/) is wired by the composition roots; other modules take its types. */
const WORKER_TYPES_ONLY = (layer) => ({
  regex: layerImport('worker'),
  allowTypeImports: true,
  message: `${layer} imports worker/ as types only (e.g. Logger); the composition root wires the runtime.`,
});
/** services/: shared I/O helpers (TRON node, HTTP delivery, network policy, event routing) below activities/ and api/. */
const SERVICES_NOT_UP = {
  regex: layerImport('api', 'activities'),
  message: 'services/ never import api/ or activities/: both call services/, not the other way round.',
};
const NO_API_IN_ACTIVITIES = {
  regex: layerImport('api'),
  message: 'activities/ never import api/: move what both need to domain/ or db/.',
};
/** db/: Postgres is its only I/O; it imports pg, node:crypto, domain/ and other stores only. */
const DB_PACKAGES = {
  regex: '^(?![./]|pg$|node:crypto$)',
  message: 'db/ imports only pg, node:crypto, domain/ and its own store helpers (Postgres is its only I/O).',
};
const DB_LAYERS = {
  regex: layerImport('api', 'activities', 'worker', 'workflows', 'devchain', 'scripts', 'bench', 'test'),
  message: 'db/ imports only domain/ and its own store helpers: a store is called, it calls no other layer.',
};
const NO_CLOCK = 'domain/ reads no clock: take the time (a Date or ms) from the caller.';
const NO_RANDOM =
  'domain/ reads no randomness: take a RandomBytes (domain/ids.ts) or the value from the caller.';
/** domain/ is pure: node:crypto only for its deterministic functions (hashes, HMAC, comparison). */
const PURE_CRYPTO = ['node:crypto', 'crypto'].map((name) => ({
  name,
  allowImportNames: ['createHash', 'createHmac', 'timingSafeEqual'],
  message: NO_RANDOM,
}));

const workflowContractBoundary = [
  {
    files: ['**/*.ts'],
    ignores: ['workflows/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [WORKFLOW_INTERNALS] }] },
  },
  // worker/ (may import the registration index): see its layer block further down.
  {
    files: ['test/unit/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [WORKFLOW_INTERNALS_BUT_STATE] }] },
  },
  { files: ['**/*-workflows.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['workflows/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [OTHER_WORKFLOW_CONTEXT] }] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: WORKFLOW_SANDBOX_PATHS }] },
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'coverage/**', 'test/histories/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The operator console's page script runs in the browser (served as is, no build step).
    files: ['api/console/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        Node: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Layer boundary: workflow contracts (see workflowContractBoundary above).
  ...workflowContractBoundary,
  // ---------------------------------------------------------------------------------------------
  // Layers, one block per row of the table in docs/ARCHITECTURE.md.
  //
  // domain/ is pure: rules, money, texts, state machines. No Postgres, network, file system,
  // Temporal client/worker, logger or TRON node library, nothing from the I/O layers, and no clock
  // or randomness (the caller injects them), so workflow code and tests can call it as is.
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...[
              'pg',
              'undici',
              'pino',
              'tronweb',
              '@temporalio/client',
              '@temporalio/worker',
              ...['dns', 'dns/promises', 'net', 'http', 'https', 'http2', 'fs', 'fs/promises'].flatMap(
                (m) => [m, `node:${m}`],
              ),
            ].map((name) => ({
              name,
              message: 'domain/ is pure: do the I/O in db/, activities/ or worker/.',
            })),
            ...PURE_CRYPTO,
          ],
          patterns: [
            {
              group: [
                '**/db/*',
                '**/api/*',
                '**/api/**',
                '**/activities/*',
                '**/services/*',
                '**/worker/*',
                '**/workflows/*',
                '**/workflows/**',
              ],
              message: 'domain/ is pure and imports no other layer (see docs/ARCHITECTURE.md).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: NO_CLOCK },
        { selector: "CallExpression[callee.name='Date']", message: NO_CLOCK },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: NO_CLOCK },
        { object: 'process', property: 'hrtime', message: NO_CLOCK },
        { object: 'Math', property: 'random', message: NO_RANDOM },
      ],
      'no-restricted-globals': [
        'error',
        ...['performance', 'setTimeout', 'setInterval', 'setImmediate'].map((name) => ({
          name,
          message: NO_CLOCK,
        })),
        { name: 'crypto', message: NO_RANDOM },
      ],
    },
  },
  // db/: one store per context; Postgres is its only I/O. It imports pg, node:crypto (ids),
  // domain/ and the other stores' helpers (pool, transaction, keyset), and no other layer.
  {
    files: ['db/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [DB_PACKAGES, DB_LAYERS] }] },
  },
  // activities/: keyed side effects. Postgres only through the stores (the pool's withTransaction
  // is fine, `pg` is not); never api/; worker/ as types only (the Logger).
  {
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG('Postgres is reached through the stores (db/<context>.ts).')],
          patterns: [WORKFLOW_INTERNALS, NO_API_IN_ACTIVITIES, WORKER_TYPES_ONLY('activities/')],
        },
      ],
    },
  },
  // services/: I/O shared by activities/ and api/ (TRON node, outbound HTTP, DNS policy, event
  // routing). Postgres only through the stores; never api/ or activities/; worker/ as types only.
  {
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG('Postgres is reached through the stores (db/<context>.ts).')],
          patterns: [WORKFLOW_INTERNALS, SERVICES_NOT_UP, WORKER_TYPES_ONLY('services/')],
        },
      ],
    },
  },
  // api/: neither holds a pool nor writes SQL: it calls store functions (db/<store>,
  // db/transaction for a multi-statement transaction); it asks workflows through their contracts
  // and never imports activities/. Types from db/pool are fine (no query runs through a type).
  // The composition roots wire the process runtime from worker/: api/server.ts (config, logger,
  // Temporal connection, the one place that creates the pool) and api/app.ts (the HTTP logger).
  {
    files: ['api/**/*.ts'],
    ignores: ['api/server.ts', 'api/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG('SQL lives in the stores (db/<context>.ts).')],
          patterns: [NO_POOL, WORKFLOW_INTERNALS, NO_ACTIVITIES_IN_API, WORKER_TYPES_ONLY('api/')],
        },
      ],
    },
  },
  {
    files: ['api/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG('SQL lives in the stores (db/<context>.ts).')],
          patterns: [NO_POOL, WORKFLOW_INTERNALS, NO_ACTIVITIES_IN_API],
        },
      ],
    },
  },
  {
    files: ['api/server.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [WORKFLOW_INTERNALS, NO_ACTIVITIES_IN_API] }] },
  },
  // workflows/: no db/ and no pg (an activity calls the store); activities/ as types only.
  {
    files: ['workflows/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG(WORKFLOWS_RUN_NO_SQL)],
          patterns: [NO_DB_IN_WORKFLOWS, ACTIVITY_TYPES_ONLY_IN_WORKFLOWS],
        },
      ],
    },
  },
  {
    files: ['workflows/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG(WORKFLOWS_RUN_NO_SQL)],
          patterns: [NO_DB_IN_WORKFLOWS, OTHER_WORKFLOW_CONTEXT, ACTIVITY_TYPES_ONLY_IN_WORKFLOWS],
        },
      ],
    },
  },
  // worker/: the process runtime may import every layer, and of workflows/ the registration
  // index; Postgres through db/pool like everyone else.
  {
    files: ['worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG('Postgres is reached through db/pool and the stores.')],
          patterns: [WORKFLOW_INTERNALS_BUT_INDEX],
        },
      ],
    },
  },
  //
  // SQL text only in db/ (agentrent/no-sql-text, lint-rules/no-sql-text.mjs says what it
  // detects). Exempt, besides db/: tests and benchmarks, which seed and inspect rows directly, and
  // two scripts that run before or beside the stores — scripts/postgres.ts creates the database,
  // scripts/cluster-acceptance.ts counts unsettled rows after a cluster run.
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    ignores: ['db/**', 'test/**', 'bench/**', 'scripts/postgres.ts', 'scripts/cluster-acceptance.ts'],
    plugins: { agentrent: agentrentRules },
    rules: { 'agentrent/no-sql-text': 'error' },
  },
);
