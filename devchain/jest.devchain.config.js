// Temporary: runs the devchain tests without the shared globalSetup (Postgres/Temporal) while it is
// being written. Delete once `npx jest test/integration/devchain.test.ts` works with the main config.
const base = require('../jest.config.js');
module.exports = { ...base, rootDir: '..', globalSetup: undefined, globalTeardown: undefined };
