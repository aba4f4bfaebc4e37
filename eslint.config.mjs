// Flat config: typescript-eslint recommended rules, Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
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
  {
    files: ['api/**/*.ts', 'workflows/**/*.ts'],
    ignores: ['api/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pg', message: 'SQL lives in the stores (db/<context>.ts).' }],
          patterns: [
            {
              group: ['**/db/pool'],
              allowTypeImports: true,
              message: 'Call a store (db/<context>.ts) or db/transaction instead of the pool.',
            },
          ],
        },
      ],
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
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pg', message: 'Workflows run no SQL: an activity calls the store.' }],
          patterns: [
            {
              group: ['**/db/*'],
              allowTypeImports: true,
              message: 'Workflows run no SQL: an activity calls the store.',
            },
          ],
        },
      ],
    },
  },
);
