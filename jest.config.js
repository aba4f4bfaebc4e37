// Two jest projects, each run in band (the Temporal native runtime lives per process); `npm test`
// (scripts/run-tests.mjs) runs the two side by side:
// - fast: test/unit, the history replay and the workflow tests on the time-skipping server with
//   stub activities; no Postgres, no Temporal dev server, no devchain.
// - integration: everything else, sharing one Postgres, one Temporal dev server and one devchain
//   started in globalSetup — which jest runs only when a test of this project is selected.
// - soak: the chaos soak, which starts its own stack (bench/soak-stack.ts) and so needs none of
//   the shared services; `npm test` runs it after the fast project, beside the integration one.
// `npx jest --runInBand` runs all three one after the other, each test file exactly once.

/** test/workflows files that drive the real activities against the harness's Postgres. */
const WORKFLOW_TESTS_WITH_SERVICES = [
  'activity-failures',
  'rentals-lifecycle',
  'tasks-review',
  'webhooks-dead-letter',
  'webhooks-delivery-policies',
];
const withServices = `(${WORKFLOW_TESTS_WITH_SERVICES.join('|')})\\.test\\.ts$`;

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    // jose (the JWT library) ships ES modules only; jest's CommonJS runtime gets them compiled.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFiles: ['<rootDir>/test/harness/setup-each-file.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  // The Temporal native runtime keeps threads alive after the last test; never let CI hang on them.
  forceExit: true,
  verbose: false,
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'fast',
      testMatch: [
        '<rootDir>/test/unit/**/*.test.ts',
        '<rootDir>/test/replay/**/*.test.ts',
        '<rootDir>/test/workflows/**/*.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', `/test/workflows/${withServices}`],
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '/test/unit/',
        '/test/replay/',
        `/test/workflows/(?!${withServices})`,
        '/test/integration/soak\\.test\\.ts$',
      ],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'soak',
      testMatch: ['<rootDir>/test/integration/soak.test.ts'],
    },
  ],
};
