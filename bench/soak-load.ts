/**
 * The soak's load: every lifecycle of the platform driven through the public API the way a client
 * would, each loop bounded by the soak's deadline. What each loop started is recorded so the checks
 * can prove it finished exactly once.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TronWeb, utils } from 'tronweb';
import { bookingLoop, guardLoop } from './soak-bookings';
import { expectStatus, type HttpClient } from './soak-http';
import { orderLoop } from './soak-orders';
import { type Actor, emptyStarted, pick, sleep, type Started, streamChat } from './soak-shared';

export type { Started } from './soak-shared';

/** The text of each agent reply is unique, so the checks can tell a reply stored twice. */
const uniqueReply = () => `soak reply ${randomUUID()}`;

/** Local servers the platform calls: a proxy agent, and a webhook receiver that fails every first attempt. */
export async function startReceivers() {
  const seen = new Map<string, number>();
  // A proxy agent: JSON, or Server-Sent Events in three pieces when the platform asks for a stream.
  const agent = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const reply = uniqueReply();
      if (!String(req.headers.accept ?? '').startsWith('text/event-stream')) {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ response: reply }));
        }, 20);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pieces = [reply.slice(0, 5), reply.slice(5, 20), reply.slice(20)];
      const next = () => {
        const piece = pieces.shift();
        if (piece === undefined) return void res.end('data: [DONE]\n\n');
        res.write(`data: ${JSON.stringify({ delta: piece })}\n\n`);
        setTimeout(next, 10);
      };
      next();
    });
  });
  const flaky = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? randomUUID());
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      res.writeHead(n === 1 ? 500 : 200).end();
    });
  });
  const listen = (s: http.Server) =>
    new Promise<string>((r) =>
      s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
    );
  return {
    agentUrl: await listen(agent),
    flakyUrl: await listen(flaky),
    received: () => seen,
    stop: async () => {
      agent.closeAllConnections();
      flaky.closeAllConnections();
      await Promise.all([agent, flaky].map((s) => new Promise((r) => s.close(() => r(undefined)))));
    },
  };
}

/**
 * The operator's review queue, cleared as an operator would: every withdrawal still waiting in
 * review is rejected (its hold refunded). The load decides the reviews it knows of; this reaches
 * the ones whose `POST /withdraw` answer the client never got (lost to a kill or a restart), which
 * would otherwise wait in review, holding their money, until the review timeout.
 */
export async function clearReviewQueue(http: HttpClient, adminKey: string): Promise<number> {
  const queue = await http.call('GET', '/api/v1/admin/withdrawals?status=review&limit=100', {
    key: adminKey,
  });
  const waiting = queue.status === 200 ? (queue.json.withdrawals as Array<{ withdrawal_id: string }>) : [];
  for (const w of waiting) {
    await http.call('POST', `/api/v1/admin/withdrawals/${w.withdrawal_id}/reject`, {
      key: adminKey,
      body: { reason: 'soak operator: review queue cleared' },
      retry: true,
    });
  }
  return waiting.length;
}

export async function runLoad(opts: {
  http: HttpClient;
  adminKey: string;
  devchainUrl: string;
  usdtContract: string;
  agentUrl: string;
  flakyUrl: string;
  until: number;
  /**
   * Issue 25's lifecycles too (bookings, silence guards, service orders); default on. The
   * cluster acceptance leaves them out: it proves the cluster's kills, not these lifecycles.
   */
  beyondSeeds?: boolean;
}): Promise<Started> {
  const { call } = opts.http;
  const admin = { key: opts.adminKey };
  const started: Started = emptyStarted();

  const register = async (name: string): Promise<Actor> => {
    const r = expectStatus(
      'register',
      await call('POST', '/api/v1/agent/register', { body: { agent_name: name }, retry: false }),
      201,
    );
    return { id: String(r.json.user_id), key: String(r.json.api_key) };
  };
  const fund = async (a: Actor, usdt: number) =>
    expectStatus(
      'fund',
      await call('POST', '/api/v1/admin/adjustments', {
        ...admin,
        idem: 'auto',
        body: { account_id: a.id, amount: usdt, reason: 'soak funding' },
      }),
      201,
    );
  const profile = async (a: Actor, body: Record<string, unknown>) =>
    expectStatus('profile', await call('PATCH', '/api/agents/me', { key: a.key, body, retry: true }), 200);

  const tag = randomUUID().slice(0, 6);
  const proxyAgents = await Promise.all([1, 2, 3].map((i) => register(`soak-proxy-${tag}-${i}`)));
  for (const a of proxyAgents)
    await profile(a, { price_per_minute: 0.1, webhook_url: opts.agentUrl, integration: 'proxy' });
  const eventsAgent = await register(`soak-events-${tag}`);
  await profile(eventsAgent, { price_per_minute: 0.1, webhook_url: opts.flakyUrl, integration: 'events' });
  const renters = await Promise.all([1, 2, 3, 4].map((i) => register(`soak-renter-${tag}-${i}`)));
  const creators = await Promise.all([1, 2].map((i) => register(`soak-creator-${tag}-${i}`)));
  for (const c of creators) await profile(c, { webhook_url: opts.flakyUrl });
  const workers = await Promise.all([1, 2, 3, 4].map((i) => register(`soak-worker-${tag}-${i}`)));
  const withdrawer = await register(`soak-withdrawer-${tag}`);
  const depositor = await register(`soak-depositor-${tag}`);
  // Issue 25's lifecycles: a renter booking ahead, one renting with a silence guard, a buyer of services.
  const [booker, guarded, buyer] = await Promise.all(
    ['booker', 'guarded', 'buyer'].map((role) => register(`soak-${role}-${tag}`)),
  );
  const sellers = await Promise.all([1, 2].map((i) => register(`soak-seller-${tag}-${i}`)));
  // In parallel: each funding is its own keyed adjustment, and the load should start soon (the
  // cluster acceptance kills a worker 20 s in and wants lifecycles in flight then).
  await Promise.all(
    [...renters, ...creators, withdrawer, booker, guarded, buyer].map((a) => fund(a, 100_000)),
  );

  const live = () => Date.now() < opts.until;
  const ctx = { call, started, live };
  const reviews: Array<Promise<void>> = [];

  async function rentalLoop(renter: Actor, agents: Actor[]): Promise<void> {
    while (live()) {
      const agent = pick(agents);
      const start = await call('POST', '/api/rentals', {
        key: renter.key,
        idem: 'auto',
        body: { agent_id: agent.id, minutes: 1 },
      });
      if (start.status !== 201) {
        await sleep(500);
        continue;
      }
      const id = String(start.json.id);
      const code = String(start.json.code);
      started.rentals.push(id);
      if (agent === eventsAgent) {
        await call('POST', `/api/rentals/${id}/messages`, {
          key: renter.key,
          body: { content: 'hello events agent' },
        });
      } else {
        const chat = await call('POST', '/v1/chat', {
          headers: { 'x-api-key': code },
          body: { message: 'soak message' },
          retry: false,
        });
        if (chat.status === 200) started.chats.ok++;
        else started.chats.failed++;
        // The second message asks for Server-Sent Events: the agent streams its reply in pieces.
        if (live()) await streamChat(ctx, code, 'soak message, streamed');
      }
      // The same extension twice (a client retrying after a lost answer): charged once.
      const extendKey = randomUUID();
      for (let i = 0; i < 2; i++) {
        await call('POST', `/api/rentals/${id}/extend`, {
          key: renter.key,
          idem: extendKey,
          body: { minutes: 1 },
        });
      }
      started.extensionsResent++;
      if (Math.random() < 0.5)
        await call('POST', `/api/rentals/${id}/end`, { key: renter.key, body: {}, retry: true });
      await sleep(200);
    }
  }

  async function taskLoop(creator: Actor): Promise<void> {
    let n = 0;
    while (live()) {
      // Every third task leaves its first submission undecided: the review window auto-approves it.
      const autoApprove = ++n % 3 === 0;
      const created = await call('POST', '/api/v1/agent/tasks', {
        key: creator.key,
        retry: false,
        body: { title: 'soak task', description: 'do it', category: 'testing', reward_usd: 0.5, slots: 2 },
      });
      if (created.status !== 201) {
        await sleep(500);
        continue;
      }
      const taskId = String(created.json.id ?? created.json.task_id);
      started.tasks.push(taskId);
      const [w1, w2] = [pick(workers.slice(0, 2)), pick(workers.slice(2))];
      const acceptances: string[] = [];
      for (const w of [w1, w2]) {
        const acc = await call('POST', `/api/v1/agent/tasks/${taskId}/accept`, { key: w.key, idem: 'auto' });
        if (acc.status !== 200 && acc.status !== 201) continue;
        acceptances.push(String(acc.json.acceptance_id));
        await call('POST', `/api/v1/agent/tasks/${taskId}/submit`, {
          key: w.key,
          idem: 'auto',
          body: { proof_text: 'proof of work' },
        });
      }
      for (const [i, acceptanceId] of acceptances.entries()) {
        const decision = i === 0 ? 'approve' : 'reject';
        if (i === 0 && autoApprove) continue;
        await call('POST', `/api/v1/agent/tasks/${taskId}/submissions/${acceptanceId}/${decision}`, {
          key: creator.key,
          body: { reason: 'soak' },
          retry: true,
        });
      }
      await call('POST', `/api/v1/agent/tasks/${taskId}/cancel`, { key: creator.key, retry: true });
    }
  }

  async function depositLoop(): Promise<void> {
    const addr = expectStatus(
      'deposit address',
      await call('GET', '/api/v1/finance/deposit/address', { key: depositor.key }),
      200,
    );
    const account = utils.accounts.generateAccount();
    const from = account.address.base58;
    await fetch(`${opts.devchainUrl}/admin/mint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: from, usdt: 1_000_000, trx: 100_000 }),
    });
    const tw = new TronWeb({ fullHost: opts.devchainUrl, privateKey: account.privateKey });
    while (live()) {
      const units = (1 + Math.floor(Math.random() * 5)) * 1_000_000;
      const { transaction } = await tw.transactionBuilder.triggerSmartContract(
        opts.usdtContract,
        'transfer(address,uint256)',
        { feeLimit: 100_000_000 },
        [
          { type: 'address', value: String(addr.json.address) },
          { type: 'uint256', value: units },
        ],
        from,
      );
      const signed = await tw.trx.sign(transaction, account.privateKey);
      const sent = (await tw.trx.sendRawTransaction(signed)) as { result?: boolean };
      if (sent.result) started.deposits.push({ txid: signed.txID, amount: units });
      await sleep(2000);
    }
  }

  async function withdrawalLoop(): Promise<void> {
    let n = 0;
    while (live()) {
      n++;
      const address = utils.accounts.generateAccount().address.base58;
      const amount = n % 3 === 0 ? 150 : 25;
      const w = await call('POST', '/api/v1/finance/withdraw', {
        key: withdrawer.key,
        idem: 'auto',
        body: { amount, address, currency: 'USDT' },
      });
      if (w.status !== 200 && w.status !== 201) {
        await sleep(1000);
        continue;
      }
      const id = String(w.json.withdrawal_id);
      started.withdrawals.push({ id, address, net: Math.round(Number(w.json.net_amount) * 1_000_000) });
      if (amount > 100) reviews.push(decideReview(id, n % 2 === 0 ? 'approve' : 'reject'));
      await sleep(1500);
    }
  }

  async function decideReview(id: string, decision: 'approve' | 'reject'): Promise<void> {
    for (let i = 0; i < 120; i++) {
      const s = await call('GET', `/api/v1/finance/withdrawals/${id}`, admin);
      if (s.json.status === 'review') {
        await call('POST', `/api/v1/admin/withdrawals/${id}/${decision}`, {
          ...admin,
          body: { reason: 'soak operator' },
          retry: true,
        });
        return;
      }
      if (s.status === 200 && s.json.status !== 'queued') return;
      await sleep(1000);
    }
  }

  await Promise.all([
    ...renters.map((r, i) => rentalLoop(r, i === 0 ? [eventsAgent] : proxyAgents)),
    ...creators.map((c) => taskLoop(c)),
    depositLoop(),
    withdrawalLoop(),
    ...(opts.beyondSeeds === false
      ? []
      : [
          bookingLoop(ctx, booker, proxyAgents),
          guardLoop(ctx, guarded, proxyAgents),
          orderLoop(ctx, buyer, sellers),
        ]),
  ]);
  await Promise.all(reviews);
  return started;
}
