/**
 * The chaos soak as part of CI: `npm run soak` for a short run (SOAK_SECONDS, 120 s here) with its
 * own stack — workers SIGKILLed every 10 s, Postgres and Temporal restarted once — must end with
 * nothing lost and nothing paid twice.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const SOAK_SECONDS = Number(process.env.CI_SOAK_SECONDS ?? 120);

function runSoak(): Promise<{ code: number | null; output: string }> {
  const root = path.join(__dirname, '..', '..');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'soak.ts')], {
      cwd: root,
      env: { ...process.env, SOAK_SECONDS: String(SOAK_SECONDS), SOAK_DRAIN_SECONDS: '300' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test(
  'when workers, Postgres and Temporal die under load, then every lifecycle ends once: lost 0, double-paid 0',
  async () => {
    const { code, output } = await runSoak();
    process.stdout.write(
      output
        .split('\n')
        .filter((l) => l.startsWith('[soak]') || l.startsWith('lifecycles'))
        .join('\n') + '\n',
    );
    const last = output
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('lifecycles'))
      .pop();
    expect(last).toMatch(/^lifecycles \d+, kills [1-9]\d*, restarts 2, lost 0, double-paid 0$/);
    expect(code).toBe(0);
  },
  // load + start-up + the drain's cap (bench/soak.ts SOAK_DRAIN_MAX_SECONDS) + the checks
  (SOAK_SECONDS + 1200) * 1000,
);
