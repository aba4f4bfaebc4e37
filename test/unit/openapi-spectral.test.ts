/**
 * The OpenAPI document passes the ecosystem's own linter (issue 26.3): Spectral with the
 * `spectral:oas` ruleset (.spectral.yaml) reports no error, warning, info or hint on the committed
 * openapi.json — which test/unit/generated-docs.test.ts and the integration test keep equal to the
 * document the API serves. Among its rules: every operation has a description, info has a contact.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  severity: number;
}

function spectral(file: string): SpectralResult[] {
  const cli = join(ROOT, 'node_modules', '@stoplight', 'spectral-cli', 'dist', 'index.js');
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'lint',
      file,
      '--ruleset',
      '.spectral.yaml',
      '--format',
      'json',
      '--quiet',
      '--fail-severity',
      'hint',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 100_000 },
  );
  if (run.error) throw run.error;
  // Exit 1 only means "found something"; anything else is the linter failing to run.
  if (run.status !== 0 && run.status !== 1) throw new Error(`spectral exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout || '[]') as SpectralResult[];
}

// Spectral loads its rulesets on every start: allow for a loaded 2-core machine.
jest.setTimeout(120_000);

describe('openapi.json under Spectral (spectral:oas)', () => {
  it('has no finding of any severity', () => {
    const findings = spectral('openapi.json').map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(findings).toEqual([]);
  });

  it('reports what it finds (the linter runs and reads the ruleset)', () => {
    // A document with an operation lacking its description and no info.contact: must not pass.
    const findings = spectral('test/fixtures/openapi-spectral-bad.json').map((r) => r.code);
    expect(findings).toEqual(expect.arrayContaining(['info-contact', 'operation-description']));
  });
});
