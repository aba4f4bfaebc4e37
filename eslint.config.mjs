// Flat config: typescript-eslint recommended rules, Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
// ── Layer boundary: SQL in the stores (issue 13.3), shared by the blocks further down ──
const NO_PG = (message) => ({ name: 'pg', message });
const NO_POOL = {
  group: ['**/db/pool'],
  allowTypeImports: true,
  message: 'Call a store (db/<context>.ts) or db/transaction instead of the pool.',
};
const WORKFLOWS_RUN_NO_SQL = 'Workflows run no SQL: an activity calls the store.';
const NO_DB_IN_WORKFLOWS = { group: ['**/db/*'], allowTypeImports: true, message: WORKFLOWS_RUN_NO_SQL };

const workflowContractBoundary = [
  {
    files: ['**/*.ts'],
    ignores: ['workflows/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [WORKFLOW_INTERNALS] }] },
  },
  {
    files: ['worker/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [WORKFLOW_INTERNALS_BUT_INDEX] }] },
  },
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
  // Layers (issue 13 items 2 and 3; docs/ARCHITECTURE.md). Kept as separate blocks so each rule
  // names the boundary it guards.
  //
  // 1. domain/ is pure: rules, money, texts, state machines. No Postgres, network, file system,
  //    Temporal client/worker, logger or TRON node library, and nothing from the I/O layers.
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'pg',
            'undici',
            'pino',
            'tronweb',
            '@temporalio/client',
            '@temporalio/worker',
            ...['dns', 'dns/promises', 'net', 'http', 'https', 'http2', 'fs', 'fs/promises'].flatMap((m) => [
              m,
              `node:${m}`,
            ]),
          ].map((name) => ({ name, message: 'domain/ is pure: do the I/O in db/, activities/ or worker/.' })),
          patterns: [
            {
              group: [
                '**/db/*',
                '**/api/*',
                '**/api/**',
                '**/activities/*',
                '**/worker/*',
                '**/workflows/*',
                '**/workflows/**',
              ],
              message: 'domain/ is pure and imports no other layer (see docs/ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
  // 2. SQL lives in the stores (db/<context>.ts). api/ and workflows/ neither hold a pool nor write
  //    SQL: api/ calls store functions (db/<store>, db/transaction for a multi-statement
  //    transaction); workflows/ call activities. Types from db/pool are fine (no query runs through
  //    a type). api/server.ts, the composition root, is the one place that creates the pool.
  //    Flat config replaces `no-restricted-imports` per file, so each block below also repeats the
  //    workflow-contract pattern that applies to its files.
  {
    files: ['api/**/*.ts'],
    ignores: ['api/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_PG('SQL lives in the stores (db/<context>.ts).')],
          patterns: [NO_POOL, WORKFLOW_INTERNALS],
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts', 'workflows/**/*.ts'],
    ignores: ['api/server.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['Literal[value=/%s/]', 'TemplateElement[value.raw=/%s/]'].map((shape) => ({
          selector: shape.replace(
            '%s',
            '^\\s*(SELECT|INSERT INTO|UPDATE \\w+ SET|DELETE FROM|WITH \\w+ AS)\\s',
          ),
          message: 'SQL lives in the stores (db/<context>.ts); call a store function.',
        })),
      ],
    },
  },
  {
    files: ['workflows/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [NO_PG(WORKFLOWS_RUN_NO_SQL)], patterns: [NO_DB_IN_WORKFLOWS] },
      ],
    },
  },
  {
    files: ['workflows/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [NO_PG(WORKFLOWS_RUN_NO_SQL)], patterns: [NO_DB_IN_WORKFLOWS, OTHER_WORKFLOW_CONTEXT] },
      ],
    },
  },
);
