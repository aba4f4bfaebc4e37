/**
 * Issue 16 item 6: `npm test` provides the tools its real clients need itself — a virtualenv under
 * the cache (Python clients, schemathesis) and a `jq` — rather than relying on the machine.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientPython, ensureJq, venvDir } from '../../scripts/client-tools';
import { cacheDir } from '../../scripts/temporal-servers';

describe('the tools of the real clients', () => {
  it('runs the Python clients with the venv under the cache, not the system Python', () => {
    const res = spawnSync(
      clientPython(),
      ['-c', 'import sys, requests, flask; print(sys.prefix); print(sys.base_prefix)'],
      { encoding: 'utf8', env: { ...process.env, PYTHONNOUSERSITE: '1' } },
    );
    expect(res.stderr).toBe('');
    const [prefix, basePrefix] = res.stdout.trim().split('\n');
    expect(prefix).toBe(venvDir());
    expect(path.dirname(prefix)).toBe(cacheDir());
    expect(basePrefix).not.toBe(prefix);
  });

  it('runs schemathesis from the same venv', () => {
    expect(process.env.SCHEMATHESIS_BIN).toBe(path.join(venvDir(), 'bin', 'schemathesis'));
    expect(spawnSync(process.env.SCHEMATHESIS_BIN!, ['--version']).status).toBe(0);
  });

  it('provides a jq that runs the Rentr helper filters offline when PATH has none', async () => {
    const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), 'no-jq-'));
    const savedProxy = process.env.GOPROXY;
    try {
      // Built once by an earlier set-up; with the module proxy off, a second build could not happen.
      await ensureJq(emptyPath);
      process.env.GOPROXY = 'off';
      const dir = await ensureJq(emptyPath);
      expect(dir).toBe(path.join(cacheDir(), 'bin'));
      const jq = path.join(dir, 'jq');
      const request = spawnSync(jq, ['-n', '--arg', 'msg', 'Summarize the news', '{message: $msg}'], {
        encoding: 'utf8',
        env: { PATH: emptyPath },
      });
      expect(JSON.parse(request.stdout)).toEqual({ message: 'Summarize the news' });
      const reply = spawnSync(jq, ['-r', '.response'], {
        input: '{"response":"News digest"}',
        encoding: 'utf8',
        env: { PATH: emptyPath },
      });
      expect(reply.stdout).toBe('News digest\n');
    } finally {
      if (savedProxy === undefined) delete process.env.GOPROXY;
      else process.env.GOPROXY = savedProxy;
      fs.rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});
