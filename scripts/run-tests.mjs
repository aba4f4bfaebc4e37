#!/usr/bin/env node
/**
 * `npm test`: the jest projects of jest.config.js in two lanes side by side, each in band.
 *   integration — one Postgres, one Temporal dev server, one devchain shared by its files, which
 *                 must run one at a time;
 *   fast, then soak — unit, replay and time-skipping workflow tests (no shared services), then
 *                 the chaos soak on a stack of its own.
 * The second lane (CPU: the Java test server, workflow bundles, the soak's load) runs while the
 * integration lane mostly waits on servers, so the whole takes little more than the integration
 * project alone (the soak's ~5 minutes used to be at the end of the integration lane).
 * Each line is prefixed with its project; the exit code is non-zero when either fails.
 * With arguments (`npm test -- test/unit/x.test.ts`) it is plain `jest --runInBand <args>`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const args = process.argv.slice(2);

function run(label, jestArgs) {
  const started = Date.now();
  const child = spawn(process.execPath, [jest, '--runInBand', ...jestArgs], {
    cwd: root,
    stdio: label ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  if (label) {
    for (const stream of [child.stdout, child.stderr]) {
      readline
        .createInterface({ input: stream })
        .on('line', (line) => process.stdout.write(`[${label}] ${line}\n`));
    }
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      resolve({ label, code: code ?? (signal ? 1 : 0), seconds });
    });
  });
}

if (args.length > 0) {
  const { code } = await run(undefined, args);
  process.exit(code);
}

const started = Date.now();
const fastThenSoak = async () => [
  await run('fast', ['--selectProjects', 'fast']),
  await run('soak', ['--selectProjects', 'soak']),
];
const results = (
  await Promise.all([
    run('integration', ['--selectProjects', 'integration']).then((r) => [r]),
    fastThenSoak(),
  ])
).flat();
for (const r of results) {
  process.stdout.write(`npm test: ${r.label} ${r.code === 0 ? 'passed' : 'FAILED'} in ${r.seconds} s\n`);
}
process.stdout.write(`npm test: ${Math.round((Date.now() - started) / 1000)} s in all\n`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
