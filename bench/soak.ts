/**
 * `npm run soak`: the real stack under every kind of lifecycle at once while its processes die.
 * Workers run as separate processes; one is SIGKILLed every SOAK_KILL_EVERY_SECONDS (10) and
 * restarted; Postgres is restarted at a third of the run and Temporal (SIGKILL) at two thirds.
 * Then the load stops and everything started is drained: as long as lifecycles keep finishing, until
 * nothing has finished for SOAK_DRAIN_SECONDS (300) or SOAK_DRAIN_MAX_SECONDS (900) in all; then the
 * checks prove each lifecycle ended exactly once. Last line:
 *   lifecycles N, kills K, restarts R, lost L, double-paid D
 * Exit code 1 when anything was lost or paid twice; then the stuck workflows are described and the
 * stack's files (each process's log, temporal.db, Postgres) are kept, their path printed.
 */
import pg from 'pg';
import { check, unfinished } from './soak-checks';
import { diagnose } from './soak-diagnose';
import { httpClient } from './soak-http';
import { clearReviewQueue, runLoad, startReceivers } from './soak-load';
import { startSoakStack } from './soak-stack';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const killEvery = Number(process.env.SOAK_KILL_EVERY_SECONDS ?? 10);
const drainSeconds = Number(process.env.SOAK_DRAIN_SECONDS ?? 300);
const drainMaxSeconds = Number(process.env.SOAK_DRAIN_MAX_SECONDS ?? 900);
const say = (msg: string) => console.log(`[soak] ${msg}`);

async function main(): Promise<void> {
  say(`starting the stack (2 worker processes); load for ${seconds} s`);
  const stack = await startSoakStack({ workers: 2 });
  const receivers = await startReceivers();
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  db.on('error', () => undefined);
  const client = httpClient(() => stack.apiUrl);
  let kills = 0;
  let restarts = 0;
  let faulted = false;
  try {
    const until = Date.now() + seconds * 1000;
    const load = runLoad({
      http: client,
      adminKey: stack.adminKey,
      devchainUrl: stack.devchainUrl,
      usdtContract: stack.usdtContract,
      agentUrl: receivers.agentUrl,
      flakyUrl: receivers.flakyUrl,
      until,
    });
    const chaos = (async () => {
      const t0 = Date.now();
      let postgresDone = false;
      let temporalDone = false;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, killEvery * 1000));
        if (Date.now() >= until) break;
        const elapsed = (Date.now() - t0) / 1000;
        if (!postgresDone && elapsed >= seconds / 3) {
          say('restarting Postgres');
          await stack.restartPostgres();
          postgresDone = true;
          restarts++;
        } else if (!temporalDone && elapsed >= (2 * seconds) / 3) {
          say('SIGKILL Temporal and start it again');
          await stack.restartTemporal();
          temporalDone = true;
          restarts++;
        } else {
          await stack.killWorker(kills % stack.workerCount);
          kills++;
        }
      }
    })();
    const [started] = await Promise.all([load, chaos]);
    say(
      `load stopped: ${started.rentals.length} rentals, ${started.tasks.length} tasks, ${started.deposits.length} deposits, ` +
        `${started.withdrawals.length} withdrawals, ${started.orders.length} service orders; ` +
        `chats ${started.chats.ok} answered / ${started.chats.failed} not, ` +
        `streamed ${started.streams.ok} / ${started.streams.failed} not`,
    );

    // The drain waits while lifecycles keep finishing: the flaky receiver fails every first attempt,
    // so an ordered chain of k deliveries to one subject needs k × 30 s, and a faster platform makes
    // longer chains. It stops when all is done, when nothing has finished for SOAK_DRAIN_SECONDS
    // (what is left then is stuck: lost), or at SOAK_DRAIN_MAX_SECONDS in all.
    const total = (l: Record<string, number>) => Object.values(l).reduce((a, b) => a + b, 0);
    const hardUntil = Date.now() + drainMaxSeconds * 1000;
    let left = await unfinished(db, started);
    let fewest = total(left);
    let progressAt = Date.now();
    let cleared = 0;
    while (total(left) > 0 && Date.now() < hardUntil && Date.now() - progressAt < drainSeconds * 1000) {
      cleared += await clearReviewQueue(client, stack.adminKey);
      await new Promise((r) => setTimeout(r, 3000));
      left = await unfinished(db, started);
      if (total(left) < fewest) {
        fewest = total(left);
        progressAt = Date.now();
      }
    }
    say(`after the drain, unfinished: ${JSON.stringify(left)}`);
    if (cleared > 0) say(`review queue: ${cleared} withdrawals the load never heard back about, rejected`);
    const decisions = await db.query<{ decision: string; n: string }>(
      `SELECT coalesce(decision, status) AS decision, count(*) AS n FROM task_acceptances GROUP BY 1 ORDER BY 1`,
    );
    const reviews = await db.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM withdrawals WHERE 'large_amount' = ANY(review_reasons) GROUP BY 1 ORDER BY 1`,
    );
    say(`task slots: ${decisions.rows.map((r) => `${r.decision} ${r.n}`).join(', ')}`);
    say(`withdrawals reviewed: ${reviews.rows.map((r) => `${r.status} ${r.n}`).join(', ')}`);

    const verdict = await check(db, started, { url: stack.devchainUrl, usdt: stack.usdtContract });
    for (const f of verdict.figures) say(f);
    for (const p of verdict.problems.slice(0, 30)) say(p);
    const http = client.stats();
    say(`${http.requests} requests, ${http.transientAnswers} transient answers retried`);
    console.log(
      `lifecycles ${verdict.lifecycles}, kills ${kills}, restarts ${restarts}, lost ${verdict.lost}, double-paid ${verdict.doublePaid}`,
    );
    process.exitCode = verdict.lost + verdict.doublePaid > 0 ? 1 : 0;
    if (process.exitCode) {
      await diagnose(stack.temporalAddress, verdict.problems, say).catch((err: unknown) =>
        say(`no diagnosis from Temporal: ${String(err)}`),
      );
      faulted = true;
    }
  } finally {
    await db.end().catch(() => undefined);
    await receivers.stop();
    await stack.stop({ keep: faulted });
    if (faulted) say(`kept for a look: ${stack.dir} (logs/, temporal.db, pg/)`);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error('[soak] failed:', err);
    process.exit(2);
  },
);
