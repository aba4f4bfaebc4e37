import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface HarnessState {
  databaseUrl: string;
  temporalAddress: string;
  tron?: { fullHost: string; usdtContract: string };
}

/** Where global-setup publishes the addresses of the shared services for this run. */
export const STATE_FILE =
  process.env.HARNESS_STATE_FILE ?? path.join(os.tmpdir(), `agentrent-harness-${process.ppid}.json`);

export function harnessState(): HarnessState {
  const file = process.env.HARNESS_STATE_FILE;
  if (!file || !fs.existsSync(file))
    throw new Error(
      'test harness services are not running (jest globalSetup): a test/unit or test/workflows file that ' +
        'needs Postgres belongs in WORKFLOW_TESTS_WITH_SERVICES in jest.config.js',
    );
  return JSON.parse(fs.readFileSync(file, 'utf8')) as HarnessState;
}
