/**
 * `npm run test:cluster` (CI): scripts/cluster-acceptance.ts on a real Temporal cluster — every
 * lifecycle through both API processes, worker-1 SIGKILLed mid-rental and mid-withdrawal and
 * api-2 SIGKILLed later (the supervisor replaces both and says so), MCP, a rate limit and a spend
 * cap shared by both APIs — must end with nothing lost, nothing paid twice and every check passed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

function runAcceptance(): Promise<{ code: number | null; output: string }> {
  const root = path.join(__dirname, '..', '..');
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'scripts', 'cluster-acceptance.ts')],
      {
        cwd: root,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const keep = (c: Buffer) => {
      output += c.toString();
      // Progress for the CI log, without every request the APIs log.
      for (const line of c.toString().split('\n')) {
        if (
          line.startsWith('[cluster]') ||
          line.startsWith('[temporal-servers]') ||
          / restarting it | is back \(pid /.test(line)
        )
          process.stdout.write(`${line}\n`);
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test('on a Temporal cluster with two APIs and two workers, a SIGKILLed worker and API are replaced and every lifecycle ends once', async () => {
  const { code, output } = await runAcceptance();
  const lines = output.trim().split('\n');
  const last = lines.filter((l) => l.startsWith('cluster:')).pop();
  if (code !== 0)
    process.stdout.write(
      `${lines
        .filter((l) => !l.includes('"req"'))
        .slice(-80)
        .join('\n')}\n`,
    );
  // The supervisor says what it did, in the log a developer reads.
  expect(output).toMatch(/worker-1 stopped unexpectedly \(signal SIGKILL\) — restarting it/);
  expect(output).toMatch(/api-2 stopped unexpectedly \(signal SIGKILL\) — restarting it/);
  expect(output).toMatch(/worker-1 is back \(pid \d+, restart 1\)/);
  expect(last).toMatch(/^cluster: lifecycles [1-9]\d*, lost 0, double-paid 0, checks (\d+)\/\1$/);
  expect(code).toBe(0);
});
