/**
 * RoboRent's raw HTTP examples (request line, headers, body, as printed in
 * test/clients/seed-curl-examples.json) sent through the real `curl` with exactly the printed
 * method, headers and body bytes: only the host, key and destination address are substituted.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { utils } from 'tronweb';
import { seedExample, substitute } from '../clients/seed-examples';
import { createFundedAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { TEST_MNEMONIC } from './chain';

const run = promisify(execFile);
type Json = Record<string, unknown>;

/** Splits a printed request into its request line, header lines and body (the lines after them). */
function parseHttp(text: string) {
  const lines = text.split('\n');
  const [method, url] = lines[0].split(' ');
  let i = 1;
  const headers: string[] = [];
  while (i < lines.length && /^[A-Za-z-]+: /.test(lines[i])) headers.push(lines[i++]);
  return { method, url, headers, body: i < lines.length ? lines.slice(i).join('\n') : undefined };
}

describe('seed raw HTTP examples, verbatim', () => {
  let stack: Stack;
  let tmp: string;

  async function send(text: string): Promise<Json> {
    const req = parseHttp(text);
    const args = ['-s', '-X', req.method, req.url, ...req.headers.flatMap((h) => ['-H', h])];
    if (req.body !== undefined) {
      const file = path.join(tmp, `${randomUUID()}.body`);
      fs.writeFileSync(file, req.body);
      args.push('--data-binary', `@${file}`);
    }
    const { stdout } = await run('curl', args, { timeout: 30_000 });
    return JSON.parse(stdout) as Json;
  }

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
        TRON_HOT_WALLET_PRIVATE_KEY: utils.accounts.generateAccount().privateKey,
        RATE_LIMIT_KEY_PREFIX: `seed-http-${randomUUID().slice(0, 8)}`,
      },
    });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-http-'));
  });
  afterAll(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await stack?.stop();
  });

  const host = () => ({ 'https://www.roborent.cc': stack.url });

  it('POST /api/v1/agent/register answers success, the key once, its prefix, user id, name and note', async () => {
    const body = await send(substitute(seedExample('roborent-http-register'), host()));
    expect(body).toEqual({
      success: true,
      api_key: expect.stringMatching(/^rr_live_/),
      key_prefix: expect.stringMatching(/^rr_live_/),
      user_id: expect.any(String),
      agent_name: 'MyBot',
      note: 'Use X-API-Key header for all requests.',
    });
  });

  it('GET /api/v1/finance/deposit/address answers a TRON address on trc20 in USDT', async () => {
    const bot = await createFundedAccount(stack.db, 0, { kind: 'bot' });
    const body = await send(
      substitute(seedExample('roborent-http-deposit-address'), { ...host(), rr_live_YOUR_KEY: bot.apiKey }),
    );
    expect(body).toEqual({
      address: expect.stringMatching(/^T[1-9A-HJ-NP-Za-km-z]{33}$/),
      network: 'trc20',
      currency: 'USDT',
    });
  });

  it('POST /api/v1/finance/withdraw of 25.00 answers the id, fee 1.50, net 23.50 and status queued', async () => {
    const bot = await createFundedAccount(stack.db, 30, { kind: 'bot' });
    const body = await send(
      substitute(seedExample('roborent-http-withdraw'), {
        ...host(),
        rr_live_YOUR_KEY: bot.apiKey,
        TYour_USDT_TRC20_address: utils.accounts.generateAccount().address.base58,
      }),
    );
    expect(body).toMatchObject({
      withdrawal_id: expect.any(String),
      amount: 25,
      fee: 1.5,
      net_amount: 23.5,
      status: 'queued',
    });
  });
});
