/**
 * `npm run bench:memory`: what one worker process holds while many rentals are active, and how
 * fast a rental that has fallen out of the worker's workflow cache answers a chat.
 *
 * Runs the real stack as separate processes (embedded Postgres, Temporal dev server, devchain,
 * API, ONE worker started exactly as `npm run dev` starts it), then:
 *  1. samples the idle worker's RSS (after start-up, before any rental);
 *  2. starts BENCH_RENTALS (10,000) rentals of BENCH_MINUTES (10) each on a cheap proxy agent,
 *     BENCH_CLIENTS (16) at a time, through `POST /api/rentals`;
 *  3. lets the worker settle and samples its RSS again;
 *  4. chats once (`POST /v1/chat`) with each of BENCH_CHATS (200) of the rentals started first —
 *     the least recently used, so out of the cache when there are more rentals than it holds —
 *     and times each chat end to end (the stand-in agent answers at once); interleaved with as
 *     many chats on the rentals started last (in the cache) and direct agent calls, for reference.
 * Progress and details go to stderr; stdout gets exactly one summary line:
 *   rentals N, worker RSS X MiB, per rental Y KB, evicted chat p50/p99 A/B ms
 * where X is the RSS with N rentals active, Y = (X − idle RSS) / N, and A/B are the chats' own
 * p50/p99 (the direct agent call they include is printed on stderr, around 1 ms).
 * Extra worker settings (e.g. WORKER_MAX_CACHED_WORKFLOWS) pass through from the environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import { freePort, percentile, startAgent } from './common';
import { expectStatus, httpClient } from './soak-http';
import { startSoakStack } from './soak-stack';

const RENTALS = Number(process.env.BENCH_RENTALS ?? 10_000);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const CHATS = Math.min(Number(process.env.BENCH_CHATS ?? 200), RENTALS);
/** Rental starts spread over this many renters (no reason for more: nothing limits one renter). */
const RENTERS = 8;
const PRICE_PER_MINUTE = 0.01;

const say = (msg: string) => process.stderr.write(`[memory] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kb: number) => kb / 1024;

/** The resident set of process `pid`, in KB (Linux /proc). */
function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line[1]);
}

/**
 * The RSS once it stops moving: sampled every second until five samples in a row stay within
 * 1 % (or after `maxSeconds`); returns the last sample.
 */
async function settledRssKb(pid: number, maxSeconds: number): Promise<number> {
  const samples: number[] = [];
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    samples.push(rssKb(pid));
    const last5 = samples.slice(-5);
    const steady = last5.length === 5 && Math.max(...last5) <= Math.min(...last5) * 1.01;
    if (steady || Date.now() > deadline) return samples[samples.length - 1];
    await sleep(1000);
  }
}

/** Sums every series of the worker's Prometheus metrics whose name contains `name`. */
async function metric(url: string, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(url)).text();
    // A counter that never moved is not exported yet: 0.
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const [series, value] = line.split(/\s+/);
      if (series?.includes(name)) sum = (sum ?? 0) + Number(value);
    }
    return sum;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const metricsPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  say(`starting the stack (one worker); ${RENTALS} rentals of ${MINUTES} min, ${CLIENTS} at a time`);
  const stack = await startSoakStack({ workers: 1, extraEnv: { METRICS_PORT: String(metricsPort) } });
  const agent = await startAgent();
  // Ctrl-C stops the stack too (its servers run in their own process groups).
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      say(`${signal}: stopping the stack`);
      void Promise.allSettled([agent.close(), stack.stop()]).then(() => process.exit(130));
    });
  try {
    const pid = stack.workerPid(0);
    if (!pid) throw new Error('the worker has no process id');
    const { call } = httpClient(() => stack.apiUrl);
    const register = async (name: string) => {
      const r = expectStatus(
        'register',
        await call('POST', '/api/v1/agent/register', { body: { agent_name: name }, retry: false }),
        201,
      );
      return { id: String(r.json.user_id), key: String(r.json.api_key) };
    };
    const tag = Date.now().toString(36);
    const bot = await register(`memory-agent-${tag}`);
    expectStatus(
      'agent profile',
      await call('PATCH', '/api/agents/me', {
        key: bot.key,
        retry: true,
        body: { price_per_minute: PRICE_PER_MINUTE, webhook_url: agent.url, integration: 'proxy' },
      }),
      200,
    );
    const renters: Array<{ id: string; key: string }> = [];
    for (let i = 0; i < RENTERS; i++) {
      const renter = await register(`memory-renter-${tag}-${i}`);
      // Each renter starts every RENTERS-th rental; twice that much, so no start is refused.
      const perRenter = 2 * Math.ceil(RENTALS / RENTERS) * PRICE_PER_MINUTE * MINUTES + 10;
      expectStatus(
        'fund',
        await call('POST', '/api/v1/admin/adjustments', {
          key: stack.adminKey,
          idem: 'auto',
          body: { account_id: renter.id, amount: perRenter, reason: 'memory bench funding' },
        }),
        201,
      );
      renters.push(renter);
    }

    // 1. Idle: the worker as `npm run dev` leaves it, before any rental.
    const idleKb = await settledRssKb(pid, 60);
    say(`idle worker RSS ${mib(idleKb).toFixed(0)} MiB (pid ${pid})`);

    // 2. N rentals, started in order; codes[i] is the i-th started.
    const codes: string[] = new Array<string>(RENTALS);
    let next = 0;
    let done = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < RENTALS; i = next++) {
          const renter = renters[i % RENTERS];
          const r = expectStatus(
            'rental start',
            await call('POST', '/api/rentals', {
              key: renter.key,
              idem: 'auto',
              body: { agent_id: bot.id, minutes: MINUTES },
            }),
            201,
          );
          codes[i] = String(r.json.code);
          if (++done % 1000 === 0)
            say(
              `${done} rentals started (${(done / ((Date.now() - t0) / 1000)).toFixed(1)}/s), worker RSS ${mib(rssKb(pid)).toFixed(0)} MiB`,
            );
        }
      }),
    );
    const startSeconds = (Date.now() - t0) / 1000;
    say(`${RENTALS} rentals started in ${startSeconds.toFixed(0)} s`);
    if (startSeconds > (MINUTES - 5) * 60)
      say('warning: starting took longer than the rentals take to reach their ending-soon warning');

    // 3. Settled RSS with every rental active.
    const loadedKb = await settledRssKb(pid, 60);
    const cacheSize = await metric(metricsUrl, 'sticky_cache_size');
    say(
      `worker RSS with ${RENTALS} rentals ${mib(loadedKb).toFixed(0)} MiB; workflow cache holds ${cacheSize}`,
    );

    // 4. Chats on the rentals started first (least recently used).
    const chat = async (code: string) => {
      const t = performance.now();
      const r = await call('POST', '/v1/chat', {
        headers: { 'x-api-key': code },
        body: { message: 'ping' },
        retry: false,
      });
      const ms = performance.now() - t;
      if (r.status !== 200) throw new Error(`/v1/chat answered ${r.status}: ${JSON.stringify(r.json)}`);
      return ms;
    };
    const direct = async () => {
      const t = performance.now();
      const r = await fetch(`${agent.url}/hooks/agent`, { method: 'POST', body: '{"message":"ping"}' });
      await r.arrayBuffer();
      return performance.now() - t;
    };
    // Interleaved with the same number of chats on the rentals started last (cached, unless the
    // cache is off) and of direct agent calls, so all three see the same machine load.
    const missesBefore = await metric(metricsUrl, 'sticky_cache_miss');
    const evicted: number[] = [];
    const cached: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < CHATS; i++) {
      evicted.push(await chat(codes[i]));
      cached.push(await chat(codes[RENTALS - 1 - i]));
      baseline.push(await direct());
    }
    const missesAfter = await metric(metricsUrl, 'sticky_cache_miss');
    const finalKb = rssKb(pid);
    for (const list of [evicted, cached, baseline]) list.sort((a, b) => a - b);
    const p50p99 = (list: number[]) =>
      `${percentile(list, 50).toFixed(1)}/${percentile(list, 99).toFixed(1)}`;
    const misses =
      missesBefore !== undefined && missesAfter !== undefined ? missesAfter - missesBefore : undefined;
    say(
      `cache misses during the ${2 * CHATS} chats: ${misses ?? 'unknown'}; cached-rental chat p50/p99 ` +
        `${p50p99(cached)} ms; agent direct p50/p99 ${p50p99(baseline)} ms; ` +
        `worker RSS after the chats ${mib(finalKb).toFixed(0)} MiB; load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const perRentalKb = (loadedKb - idleKb) / RENTALS;
    console.log(
      `rentals ${RENTALS}, worker RSS ${mib(loadedKb).toFixed(0)} MiB, per rental ${perRentalKb.toFixed(1)} KB, ` +
        `evicted chat p50/p99 ${p50p99(evicted)} ms`,
    );
  } finally {
    await agent.close();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
