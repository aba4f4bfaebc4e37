/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, every server scenario)
 * against /api/v1/mcp. The scenarios that apply to a tools-only server pass without a failure or
 * a warning; the others are listed, each with its reason, in test/mcp-conformance-baseline.yml,
 * so a new failure — or a listed scenario that starts passing — is a red test. The suite needs
 * Node >= 22: scripts/modern-node.ts provides it when the running Node is older.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiDeps, type RunningApi, startApi } from '../../api/server';
import { modernNode } from '../../scripts/modern-node';
import { createLogger } from '../../worker/logger';
import { testConfig } from '../harness/stack';

const ROOT = path.join(__dirname, '..', '..');
const SUITE = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const BASELINE = path.join(ROOT, 'test', 'mcp-conformance-baseline.yml');
/** The scenarios a tools-only server must pass cleanly (no WARNING either). */
const APPLICABLE = [
  'server-initialize',
  'ping',
  'tools-list',
  'dns-rebinding-protection',
  'server-sse-polling',
  'server-sse-multiple-streams',
];

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

interface SuiteRun {
  exitCode: number;
  output: string;
  /** checks.json of each scenario, by scenario name. */
  checks: Map<string, Check[]>;
}

let api: RunningApi;
let run: SuiteRun;

/** Runs the suite (async: the API answers from this same process meanwhile). */
function runSuite(node: string, url: string, outDir: string): Promise<Omit<SuiteRun, 'checks'>> {
  const args = [
    SUITE,
    'server',
    '--url',
    url,
    '--suite',
    'all',
    '--expected-failures',
    BASELINE,
    '-o',
    outDir,
  ];
  return new Promise((resolve) => {
    execFile(node, args, { cwd: ROOT, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ exitCode: code, output: `${stdout}\n${stderr}` });
    });
  });
}

/** Results are saved as <outDir>/server-<scenario>-<timestamp>/checks.json. */
function readChecks(outDir: string): Map<string, Check[]> {
  const checks = new Map<string, Check[]>();
  for (const dir of fs.readdirSync(outDir)) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir)?.[1];
    const file = path.join(outDir, dir, 'checks.json');
    if (scenario && fs.existsSync(file))
      checks.set(scenario, JSON.parse(fs.readFileSync(file, 'utf8')) as Check[]);
  }
  return checks;
}

beforeAll(async () => {
  const config = testConfig({ MCP_CONFORMANCE_FIXTURES: 'true' });
  api = await startApi(createApiDeps(config, createLogger('silent', 'api')), 0, '127.0.0.1');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-conformance-'));
  try {
    const result = await runSuite(await modernNode(), `${api.url}/api/v1/mcp`, outDir);
    run = { ...result, checks: readChecks(outDir) };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}, 300_000);
afterAll(async () => {
  await api.close();
  await api.deps.db.end();
  await api.deps.temporalConnection.close();
});

describe('the MCP conformance suite', () => {
  it('exits 0: every failure is in the baseline and every baseline entry still fails', () => {
    expect({ exitCode: run.exitCode, output: run.exitCode === 0 ? '' : run.output }).toEqual({
      exitCode: 0,
      output: '',
    });
  });

  it.each(APPLICABLE)('passes %s with no failure and no warning', (scenario) => {
    const checks = run.checks.get(scenario);
    expect(checks?.some((c) => c.status === 'SUCCESS')).toBe(true);
    const problems = (checks ?? []).filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    expect(problems).toEqual([]);
  });
});
