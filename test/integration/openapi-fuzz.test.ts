/**
 * Issue 11 item 5: schemathesis fuzzes every operation of /openapi.json against the real stack
 * (API + worker on the harness Postgres, Temporal and devchain) as a bot, a person and the
 * operator, with rate limits raised. Any 5xx, any request without an answer within 35 s, or any
 * response the document does not allow fails the run. Needs `schemathesis` (pip install -r
 * test/clients/requirements-fuzz.txt; .ci/run installs it): without it this test fails.
 *
 * FUZZ_MAX_EXAMPLES (default 8) bounds the generated cases per operation and phase.
 */
import os from 'node:os';
import path from 'node:path';
import { TEST_MNEMONIC } from './chain';
import {
  EXCLUDED_OPERATIONS,
  type FuzzResult,
  preparePrincipals,
  RAISED_LIMITS,
  REQUEST_TIMEOUT_SECONDS,
  runSchemathesis,
  schemathesisBinary,
} from '../harness/openapi-fuzz';
import { type Stack, startStack } from '../harness/stack';

const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 8);
/** Per principal; a run that needs longer than this is itself a finding (something hangs). */
const RUN_BUDGET_MS = 6 * 60_000;

let stack: Stack;
const results: FuzzResult[] = [];

beforeAll(async () => {
  // Fails here, loudly, when schemathesis is missing: CI installs it, nothing is skipped.
  schemathesisBinary();
  stack = await startStack({
    config: { ...RAISED_LIMITS, TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC, LOG_LEVEL: 'fatal' },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  const total = results.reduce((n, r) => n + r.cases, 0);
  const lines = results.map((r) => `${r.principal}: ${r.cases} cases over ${r.operations} operations`);
  console.log(
    `openapi fuzz (schemathesis, max ${MAX_EXAMPLES} examples):\n  ${lines.join('\n  ')}\n  total: ${total} cases`,
  );
});

const reportDir = path.join(os.tmpdir(), `agentrent-fuzz-${process.pid}`);

describe('fuzzing every operation of /openapi.json with schemathesis', () => {
  it.each(['bot', 'person', 'operator'] as const)(
    'as the %s: no 5xx, no request without an answer within 35 s, every response allowed by the document',
    async (name) => {
      const principals = await preparePrincipals(stack);
      const principal = principals.find((p) => p.name === name)!;
      const result = await runSchemathesis({
        url: stack.url,
        principal,
        reportDir,
        maxExamples: MAX_EXAMPLES,
        killAfterMs: RUN_BUDGET_MS,
      });
      results.push(result);

      const failures = result.failures;
      const summary = failures.map((f) => `[${f.kind}] ${f.operation}\n${f.message}`).join('\n\n');
      expect(summary).toBe('');
      expect(failures.filter((f) => f.kind === 'server_error')).toEqual([]);
      expect(failures.filter((f) => f.kind === 'timeout')).toEqual([]);
      expect(result.operations).toBeGreaterThan(50);
      expect(result.cases).toBeGreaterThan(result.operations);
      expect({ exitCode: result.exitCode, log: result.output.slice(-3000) }).toEqual({
        exitCode: 0,
        log: expect.any(String),
      });
    },
    RUN_BUDGET_MS + 60_000,
  );

  it('opens the excluded MCP SSE stream and announces the message endpoint within 35 s', async () => {
    expect(EXCLUDED_OPERATIONS.map((o) => `${o.method} ${o.path}`)).toEqual(['GET /api/v1/mcp/sse']);
    const aborter = new AbortController();
    const timer = setTimeout(() => aborter.abort(), REQUEST_TIMEOUT_SECONDS * 1000);
    try {
      const res = await fetch(`${stack.url}/api/v1/mcp/sse`, { signal: aborter.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toMatch(/event: endpoint\ndata: \/api\/v1\/mcp\/messages\?sessionId=/);
      await reader.cancel();
    } finally {
      clearTimeout(timer);
      aborter.abort();
    }
  });
});
