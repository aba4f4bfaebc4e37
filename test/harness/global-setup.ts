/**
 * Starts the shared services once per `npm test`: builds or finds the Temporal servers first
 * (showing progress), then runs test/harness/services.ts in a child process and waits for it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-servers';

export default async function globalSetup(): Promise<void> {
  const [cli, testServer] = [await resolveTemporalCli(), await resolveTestServer()];
  process.env.TEMPORAL_CLI_PATH ??= cli.path;
  if (testServer.path) process.env.TEMPORAL_TEST_SERVER_PATH ??= testServer.path;

  const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-harness-')), 'state.json');
  process.env.HARNESS_STATE_FILE = stateFile;
  const root = path.join(__dirname, '..', '..');
  const child = spawn(
    process.execPath,
    [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(__dirname, 'services.ts')],
    {
      env: { ...process.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  (globalThis as { __AGENTRENT_SERVICES__?: typeof child }).__AGENTRENT_SERVICES__ = child;
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(stateFile)) {
    if (child.exitCode !== null) throw new Error(`test services exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('test services did not start within 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
