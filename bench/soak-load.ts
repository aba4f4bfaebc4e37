/**
 * The soak's load: every lifecycle of the platform driven through the public API the way a client
 * would, each loop bounded by the soak's deadline. What each loop started is recorded so the checks
 * can prove it finished exactly once.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TronWeb, utils } from 'tronweb';
import { expectStatus, type HttpClient } from './soak-http';

export interface Started {
  rentals: string[];
  tasks: string[];
  deposits: Array<{ txid: string; amount: number }>;
  withdrawals: Array<{ id: string; address: string; net: number }>;
  chats: { ok: number; failed: number };
  extensionsResent: number;
}

interface Actor {
  id: string;
  key: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

/** Local servers the platform calls: a proxy agent, and a webhook receiver that fails every first attempt. */
export async function startReceivers() {
  const seen = new Map<string, number>();
  const agent = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ response: `soak reply ${randomUUID().slice(0, 8)}` }));
      }, 20);
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
}): Promise<Started> {
  const { call } = opts.http;
  const admin = { key: opts.adminKey };
  const started: Started = {
    rentals: [],
    tasks: [],
    deposits: [],
    withdrawals: [],
    chats: { ok: 0, failed: 0 },
    extensionsResent: 0,
  };

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
  for (const a of [...renters, ...creators, withdrawer]) await fund(a, 100_000);

  const live = () => Date.now() < opts.until;
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
        for (let i = 0; i < 2 && live(); i++) {
          const chat = await call('POST', '/v1/chat', {
            headers: { 'x-api-key': code },
            body: { message: `soak message ${i}` },
            retry: false,
          });
          if (chat.status === 200) started.chats.ok++;
          else started.chats.failed++;
        }
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
  ]);
  await Promise.all(reviews);
  return started;
}
