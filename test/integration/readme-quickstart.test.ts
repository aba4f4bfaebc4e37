/**
 * Issue 16 item 6: the README's quickstart stays true. Its fenced bash blocks (between
 * `<!-- quickstart:begin -->` and `<!-- quickstart:end -->`) run in order, verbatim, in one real
 * `bash` with `set -euo pipefail`, through the real `curl` and `jq`, against the harness stack: only
 * the base URLs of step 0 are substituted. Then the settlement is checked through the API.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDepositWatcher } from '../../activities/deposit-watcher';
import { apiClient } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { devchain, TEST_MNEMONIC } from './chain';

const README = path.join(__dirname, '..', '..', 'README.md');
/** Step 0's base URLs, as the README defines them for `npm run dev`. */
const README_API = 'API=http://localhost:3000';
const README_CHAIN = 'CHAIN=http://localhost:9090';
/** The last line the script prints: the shell variables the quickstart captured. */
const RESULT_MARKER = 'QUICKSTART_RESULT ';

/** The bash blocks of the quickstart section, in order. */
function quickstartBlocks(readme: string): string[] {
  const section = /<!-- quickstart:begin -->([\s\S]*?)<!-- quickstart:end -->/.exec(readme);
  if (!section)
    throw new Error('README.md has no <!-- quickstart:begin --> … <!-- quickstart:end --> section');
  return [...section[1].matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Runs a script in one `bash` (from stdin, so a failure reports the output, not the script). */
function runBash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-s'], { timeout: 120_000, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(script);
  });
}

/** Micro-USDT of a decimal JSON number (at most 6 decimals, as the API answers). */
const micro = (usdt: number): number => Math.round(usdt * 1_000_000);

interface Captured {
  alice: string;
  bob: string;
  rental: string;
  botId: string;
}

describe('the README quickstart', () => {
  let stack: Stack;
  const watcherId = `deposit-watcher-quickstart-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_DEPOSIT_MNEMONIC: TEST_MNEMONIC,
        TRON_DEPOSIT_WATCHER_ID: watcherId,
        TRON_POLL_INTERVAL_MS: '100',
      },
    });
    const chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
    // The watcher starts at the current head, so the quickstart's transfer (in a later block) is seen
    // however soon the script mines.
    const { head } = await chain.mine(1);
    await ensureDepositWatcher(stack.client, { ...stack.config, TRON_DEPOSIT_START_BLOCK: head });
  });
  afterAll(async () => {
    await stack?.client.workflow
      .getHandle(watcherId)
      .terminate('test done')
      .catch(() => undefined);
    await stack?.stop();
  });

  it('runs from sign-up to a settled rental: the renter pays the billed minutes, the owner earns them minus the fee', async () => {
    const blocks = quickstartBlocks(fs.readFileSync(README, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const setup = blocks[0];
    expect(setup).toContain(README_API);
    expect(setup).toContain(README_CHAIN);
    blocks[0] = setup
      .replace(README_API, `API=${stack.url}`)
      .replace(README_CHAIN, `CHAIN=${stack.config.TRON_FULL_HOST}`);
    const report = `echo "${RESULT_MARKER}$(jq -cn --arg alice "$ALICE" --arg bob "$BOB" --arg rental "$RENTAL" --arg botId "$BOT_ID" '$ARGS.named')"`;
    const script = ['set -euo pipefail', ...blocks, report].join('\n');

    const { code, stdout, stderr } = await runBash(script);
    // On failure this shows curl's error and the body the API answered.
    expect({ code, stderr, stdout: code === 0 ? '' : stdout }).toEqual({ code: 0, stderr: '', stdout: '' });

    const lines = stdout.trim().split('\n');
    const last = lines[lines.length - 1];
    expect(last.startsWith(RESULT_MARKER)).toBe(true);
    const captured = JSON.parse(last.slice(RESULT_MARKER.length)) as Captured;
    // Step 11's link to the rental's workflow in the Temporal UI.
    expect(lines).toContain(`http://localhost:8233/namespaces/default/workflows/rental-${captured.rental}`);

    const call = apiClient(stack.url);
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    const rental = await call<{
      status: string;
      settled: boolean;
      owner_id: string;
      bot_id: string;
      billed_minutes: number;
      price_per_minute: number;
    }>('GET', `/api/rentals/${captured.rental}`, undefined, as(captured.alice));
    expect(rental.body).toMatchObject({ status: 'ended', settled: true, bot_id: captured.botId });
    expect(rental.body.billed_minutes).toBeGreaterThanOrEqual(1);
    const gross = rental.body.billed_minutes * micro(rental.body.price_per_minute);
    const fee = Math.floor((gross * stack.config.PLATFORM_FEE_BPS) / 10_000);

    const deposits = await call<{ deposits: Array<{ amount: number; status: string }> }>(
      'GET',
      '/api/v1/finance/deposits',
      undefined,
      as(captured.alice),
    );
    const deposited = deposits.body.deposits
      .filter((d) => d.status === 'confirmed')
      .reduce((sum, d) => sum + micro(d.amount), 0);
    expect(deposited).toBeGreaterThan(0);

    type Balance = { available_balance: number; held_balance: number };
    const renter = await call<Balance>('GET', '/api/v1/finance/balance', undefined, as(captured.alice));
    expect(deposited - micro(renter.body.available_balance)).toBe(gross);
    expect(renter.body.held_balance).toBe(0);

    const owner = await call<Balance>('GET', '/api/v1/finance/balance', undefined, as(captured.bob));
    expect(micro(owner.body.available_balance)).toBe(gross - fee);

    // Settled is recorded before the workflow's last steps (the ended events): wait for its end.
    const handle = stack.client.workflow.getHandle(`rental-${captured.rental}`);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });
});
