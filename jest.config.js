// One jest project, run in band: the Temporal native runtime lives per process, and the
// integration tests share one Postgres, one Temporal dev server and one devchain started in globalSetup.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  setupFiles: ['<rootDir>/test/harness/setup-each-file.ts'],
  testTimeout: 60_000,
  // The Temporal native runtime keeps threads alive after the last test; never let CI hang on them.
  forceExit: true,
  verbose: false,
};
