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
);
