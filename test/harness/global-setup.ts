/**
 * Starts the shared services once per `npm test`: builds or finds the Temporal servers and the
 * real clients' tools (Python venv, jq) first, showing progress, then runs
 * test/harness/services.ts in a child process and waits for it. If that child fails or does not
 * come up in time it is stopped (it stops whatever it had started) before the error is thrown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureClientTools } from '../../scripts/client-tools';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-servers';

/** Stops the services child: SIGTERM (it stops its own children), SIGKILL after 20 s. */
export function stopServices(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs test/harness/services.ts in node with tsx as a loader (`--import tsx`), not through the
 * tsx CLI: that CLI SIGKILLs its child when it does not acknowledge a SIGTERM within 30 ms, which a
 * child busy starting servers cannot promise — and a SIGKILLed child leaves its servers running.
 */
export function spawnServices(env: NodeJS.ProcessEnv): ChildProcess {
  const root = path.join(__dirname, '..', '..');
  return spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'services.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export default async function globalSetup(): Promise<void> {
  const [cli, testServer, tools] = [
    await resolveTemporalCli(),
    await resolveTestServer(),
    await ensureClientTools(),
  ];
  process.env.TEMPORAL_CLI_PATH ??= cli.path;
  if (testServer.path) process.env.TEMPORAL_TEST_SERVER_PATH ??= testServer.path;
  // The real clients run with the venv's python3/schemathesis and a jq from the cache when needed.
  process.env.AGENTRENT_PYTHON ??= tools.python;
  process.env.SCHEMATHESIS_BIN ??= tools.schemathesis;
  process.env.PATH = [...tools.pathDirs, process.env.PATH].join(path.delimiter);

  const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-harness-')), 'state.json');
  process.env.HARNESS_STATE_FILE = stateFile;
  const child = spawnServices({ ...process.env });
  (globalThis as { __AGENTRENT_SERVICES__?: typeof child }).__AGENTRENT_SERVICES__ = child;
  // jest runs no global teardown when the setup throws: stop the child here.
  const fail = async (message: string): Promise<never> => {
    await stopServices(child);
    throw new Error(message);
  };
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(stateFile)) {
    if (child.exitCode !== null) await fail(`test services exited with ${child.exitCode}`);
    if (Date.now() > deadline) await fail('test services did not start within 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
