// `npm run test:cluster`: the platform on a real Temporal cluster (temporal-server on Postgres,
// two workers, two APIs). Separate from `npm test`: it starts its own stack in a child process.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.cluster.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testTimeout: 600_000,
  forceExit: true,
  verbose: true,
};
