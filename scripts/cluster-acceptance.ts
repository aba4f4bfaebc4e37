/**
 * The acceptance of `npm run test:cluster` (test/cluster/cluster.cluster.ts runs this script):
 * the platform on a real Temporal cluster (scripts/cluster-stack.ts), every lifecycle driven
 * through BOTH API processes — rentals with proxy chat, task review, deposits, withdrawals with
 * review, webhook delivery (bench/soak-load.ts) — while worker-1 is SIGKILLed mid-rental and
 * mid-withdrawal: worker-2 carries on alone until the supervisor has started worker-1 again, and
 * everything must finish exactly once (bench/soak-checks.ts). Then api-2 is SIGKILLed: api-1 keeps
 * answering and api-2 comes back as a new process. Then MCP, a rate limit and a spend cap across
 * the two API processes (the MCP call goes to the restarted api-2).
 * Prints `[cluster] …` lines and a last line `cluster: lifecycles N, lost L, double-paid D, checks C/C`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { check, unfinished } from '../bench/soak-checks';
import { expectStatus, httpClient } from '../bench/soak-http';
import { runLoad, startReceivers } from '../bench/soak-load';
import { SOAK_LOAD_ENV } from '../bench/soak-stack';
import { freePort, startClusterStack } from './cluster-stack';
import { loadDevSecrets } from './dev-secrets';

const LOAD_SECONDS = Number(process.env.CLUSTER_LOAD_SECONDS ?? 45);
const KILL_AFTER_SECONDS = Number(process.env.CLUSTER_KILL_AFTER_SECONDS ?? 20);
const DRAIN_SECONDS = Number(process.env.CLUSTER_DRAIN_SECONDS ?? 240);
const say = (msg: string) => console.log(`[cluster] ${msg}`);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-cluster-'));
  fs.chmodSync(dir, 0o777); // embedded Postgres runs as the `postgres` user
  const { secrets } = loadDevSecrets(path.join(dir, 'secrets.json'), {});
  const port = await freePort();
  say('starting Postgres, temporal-server (SQL persistence + visibility), devchain, 2 workers, 2 APIs');
  const t0 = Date.now();
  const stack = await startClusterStack({
    dataDir: dir,
    persistent: false,
    port,
    postgresPort: await freePort(),
    devchainPort: await freePort(),
    metricsPorts: [0, 0],
    devchainEnv: { DEVCHAIN_BLOCK_INTERVAL_MS: '500', DEVCHAIN_SOLIDITY_LAG: '3' },
    env: {
      ...process.env,
      ...secrets,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      ...SOAK_LOAD_ENV,
    },
  });
  say(
    `stack up in ${Math.round((Date.now() - t0) / 1000)} s: APIs ${stack.apiUrls.join(', ')}, Temporal ${stack.temporalAddress}`,
  );
  const receivers = await startReceivers();
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  db.on('error', () => undefined);
  const failures: string[] = [];
  let checks = 0;
  const expectThat = (ok: boolean, what: string) => {
    checks++;
    say(`${ok ? 'ok' : 'FAILED'}: ${what}`);
    if (!ok) failures.push(what);
  };
  let lifecycles: number;
  let lost: number;
  let doublePaid: number;
  try {
    // Round robin over both API processes: every lifecycle crosses from one to the other.
    let turn = 0;
    const client = httpClient(() => stack.apiUrls[turn++ % 2]);
    const info = (await (await fetch(`${stack.devchainUrl}/admin/info`)).json()) as { usdtContract: string };
    const until = Date.now() + LOAD_SECONDS * 1000;
    const load = runLoad({
      http: client,
      adminKey: secrets.ADMIN_API_KEY,
      devchainUrl: stack.devchainUrl,
      usdtContract: info.usdtContract,
      agentUrl: receivers.agentUrl,
      flakyUrl: receivers.flakyUrl,
      until,
      // The seeds' lifecycles only: issue 25's run in the soak (npm test); see docs/TESTING.md.
      beyondSeeds: false,
    });
    const kill = (async () => {
      await new Promise((r) => setTimeout(r, KILL_AFTER_SECONDS * 1000));
      const inFlight = await db.query<{ rentals: string; withdrawals: string }>(
        `SELECT (SELECT count(*) FROM rentals WHERE NOT settled) AS rentals,
                (SELECT count(*) FROM withdrawals WHERE status NOT IN ('confirmed', 'failed', 'rejected')) AS withdrawals`,
      );
      const { rentals, withdrawals } = inFlight.rows[0];
      say(
        `SIGKILL worker-1 with ${rentals} rentals and ${withdrawals} withdrawals in flight; worker-2 carries on alone`,
      );
      expectThat(
        Number(rentals) > 0 && Number(withdrawals) > 0,
        'worker-1 killed mid-rental and mid-withdrawal',
      );
      const [w1] = stack.workers;
      const killed = w1.current();
      const restarted = w1.nextRestart();
      killed.process.kill('SIGKILL');
      await killed.exited;
      const back = await restarted;
      expectThat(
        back.previousPid === killed.process.pid &&
          back.pid !== killed.process.pid &&
          back.how === 'signal SIGKILL',
        `worker-1 replaced by a new process (pid ${back.previousPid} → ${back.pid}) after SIGKILL`,
      );
    })();
    const [started] = await Promise.all([load, kill]);
    say(
      `load stopped: ${started.rentals.length} rentals, ${started.tasks.length} tasks, ${started.deposits.length} deposits, ` +
        `${started.withdrawals.length} withdrawals; chats ${started.chats.ok} answered / ${started.chats.failed} not`,
    );
    const drainUntil = Date.now() + DRAIN_SECONDS * 1000;
    let left = await unfinished(db, started);
    while (Object.values(left).some((n) => n > 0) && Date.now() < drainUntil) {
      await new Promise((r) => setTimeout(r, 3000));
      left = await unfinished(db, started);
    }
    say(`after the drain, unfinished: ${JSON.stringify(left)}`);
    const verdict = await check(db, started, { url: stack.devchainUrl, usdt: info.usdtContract });
    for (const p of verdict.problems.slice(0, 30)) say(p);
    ({ lifecycles, lost, doublePaid } = verdict);
    expectThat(started.rentals.length > 0 && started.tasks.length > 0, 'rentals and tasks ran');
    expectThat(started.deposits.length > 0 && started.withdrawals.length > 0, 'deposits and withdrawals ran');
    expectThat(started.chats.ok > 0, 'proxy chat answered through the cluster');
    const delivered = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'delivered'`,
    );
    expectThat(Number(delivered.rows[0].n) > 0, `webhooks delivered (${delivered.rows[0].n})`);

    // A dead API process is replaced while the other keeps answering.
    const [api1, api2] = stack.apiUrls;
    const killedApi = stack.apis[1].current();
    const apiBack = stack.apis[1].nextRestart();
    killedApi.process.kill('SIGKILL');
    await killedApi.exited;
    const api1Meanwhile = (await fetch(`${api1}/health`)).status;
    const apiRestart = await apiBack;
    const api2Again = (await fetch(`${api2}/health`)).status;
    expectThat(
      api1Meanwhile === 200 && api2Again === 200 && apiRestart.pid !== killedApi.process.pid,
      `api-2 SIGKILLed: api-1 answered meanwhile (${api1Meanwhile}), api-2 back as pid ${apiRestart.pid} (${api2Again})`,
    );

    // MCP: an account registered through API 1 reads its balance as an MCP tool through API 2.

    const one = httpClient(() => api1);
    const two = httpClient(() => api2);
    const reg = expectStatus(
      'register',
      await one.call('POST', '/api/v1/agent/register', {
        body: { agent_name: `mcp-${randomUUID().slice(0, 6)}` },
      }),
      201,
    );
    const key = String(reg.json.api_key);
    const mcp = await fetch(`${api2}/api/v1/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_balance', arguments: {} },
      }),
    });
    const mcpBody = (await mcp.json()) as { result?: { structuredContent?: { currency?: string } } };
    expectThat(
      mcp.status === 200 && mcpBody.result?.structuredContent?.currency === 'USDT',
      'MCP get_balance on API 2',
    );

    // Rate limit across processes: 24 wrong passwords for one account at once, split over both APIs.
    const email = `guess-${randomUUID().slice(0, 8)}@example.com`;
    const statuses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        fetch(`${stack.apiUrls[i % 2]}/api/v1/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: `wrong ${i}` }),
        }).then((r) => r.status),
      ),
    );
    const allowed = statuses.filter((s) => s === 401).length;
    const limited = statuses.filter((s) => s === 429).length;
    expectThat(
      allowed <= 10 && allowed + limited === 24,
      `login limit (10 per account) shared by both APIs: ${allowed} × 401, ${limited} × 429`,
    );

    // Spend cap across processes: set on API 1, spent on API 2, enforced on API 1.
    const spender = expectStatus(
      'register',
      await one.call('POST', '/api/v1/agent/register', {
        body: { agent_name: `cap-${randomUUID().slice(0, 6)}` },
      }),
      201,
    );
    const sk = String(spender.json.api_key);
    expectStatus(
      'fund',
      await one.call('POST', '/api/v1/admin/adjustments', {
        key: secrets.ADMIN_API_KEY,
        idem: 'auto',
        body: { account_id: String(spender.json.user_id), amount: 200, reason: 'cap test' },
      }),
      201,
    );
    expectStatus(
      'cap',
      await one.call('PATCH', '/api/v1/account/settings', { key: sk, body: { max_hourly_spend_usd: 50 } }),
      200,
    );
    const address = 'TNWtoufpsNepTJdNzbcimHrPEUSHLDCJE1';
    const first = await two.call('POST', '/api/v1/finance/withdraw', {
      key: sk,
      idem: 'auto',
      retry: false, // a 429 here is the answer, not a transient refusal
      body: { amount: 30, address, currency: 'USDT' },
    });
    const second = await one.call('POST', '/api/v1/finance/withdraw', {
      key: sk,
      idem: 'auto',
      retry: false, // a 429 here is the answer, not a transient refusal
      body: { amount: 30, address, currency: 'USDT' },
    });
    expectThat(
      [200, 201].includes(first.status) && second.status === 429,
      `spend cap (50/h) shared by both APIs: 30 on API 2 → ${first.status}, 30 more on API 1 → ${second.status}`,
    );
  } finally {
    await db.end().catch(() => undefined);
    await receivers.stop();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `cluster: lifecycles ${lifecycles}, lost ${lost}, double-paid ${doublePaid}, checks ${checks - failures.length}/${checks}`,
  );
  process.exitCode = lost + doublePaid + failures.length > 0 ? 1 : 0;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error('[cluster] failed:', err);
    process.exit(2);
  },
);
