// The operator console (/admin) in a real browser (Debian's chromium driven by playwright-core)
// against the real stack, and the JSON admin endpoints behind it.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { utils } from 'tronweb';
import { apiClient, createFundedAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { devchain, waitFor } from './chain';

const hotWallet = utils.accounts.generateAccount();

/** The system chromium (never a downloaded browser): CHROMIUM_PATH, else `chromium` on PATH. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  }
}

/** Where the screenshot goes: CONSOLE_SCREENSHOT (e.g. docs/console.png to refresh the README's), else tmp. */
const screenshotPath = process.env.CONSOLE_SCREENSHOT
  ? path.resolve(process.env.CONSOLE_SCREENSHOT)
  : path.join(os.tmpdir(), `agentrent-console-${process.pid}.png`);

interface WithdrawalBody {
  withdrawal_id: string;
  status: string;
}

describe('operator console', () => {
  let stack: Stack;
  let browser: Browser;
  let chain: ReturnType<typeof devchain>;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_HOT_WALLET_PRIVATE_KEY: hotWallet.privateKey,
        TRON_POLL_INTERVAL_MS: '100',
        WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
        WITHDRAWAL_FUNDS_RETRY_SECONDS: '1',
        WITHDRAWAL_REVIEW_ABOVE_USD: '500',
        TRON_DEPOSIT_WATCHER_ID: `watcher-console-${randomUUID()}`,
      },
    });
    chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
    await chain.mint(hotWallet.address.base58, { usdt: 10_000, trx: 10_000 });
    admin = apiClient(stack.url, TEST_ADMIN_KEY);
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A withdrawal of 600 USDT (above the review threshold), waited for until it is in review. */
  async function withdrawalInReview(): Promise<string> {
    const account = await createFundedAccount(stack.db, 1000);
    const call = apiClient(stack.url, account.apiKey);
    const res = await call<WithdrawalBody>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 600, address: utils.accounts.generateAccount().address.base58, currency: 'USDT' },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(res.status).toBe(200);
    const id = res.body.withdrawal_id;
    await waitFor(async () => (await status(id)) === 'review', 15_000, 'review');
    return id;
  }

  const status = async (id: string) =>
    (await admin<WithdrawalBody>('GET', `/api/v1/finance/withdrawals/${id}`)).body.status;

  async function loggedInPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${stack.url}/admin`);
    await page.fill('#key', TEST_ADMIN_KEY);
    await page.click('#login-key button[type=submit]');
    await page.waitForSelector('#console:not([hidden])');
    return page;
  }

  it('acknowledges an open alert from the page and lists it as acknowledged by whom', async () => {
    const raise = (kind: string, subject: string, message: string) =>
      stack.db.query<{ id: number }>(
        'INSERT INTO operator_alerts (kind, subject, message) VALUES ($1, $2, $3) RETURNING id',
        [kind, subject, message],
      );
    const { rows } = await raise(
      'webhook_delivery_dead_lettered',
      `webhook-${randomUUID()}:recordWebhookAttempt`,
      'INVALID_DATA: attempt not recordable',
    );
    // Left open for the screenshot of the next test.
    await raise('hot_wallet_short', 'tron-hot-wallet', 'hot wallet holds 12 USDT, needs 598.5');
    const page = await loggedInPage();
    const alert = page.locator(`#alert-rows tr[data-alert="${rows[0].id}"]`);
    await alert.locator('button.ack').click();
    await alert.waitFor({ state: 'detached' });
    await page.check('input[name="alert-state"][value="acknowledged"]');
    await page.waitForSelector(`#alert-rows tr[data-alert="${rows[0].id}"]:has-text("by admin key")`);
    const stored = await stack.db.query('SELECT acknowledged_by_actor FROM operator_alerts WHERE id = $1', [
      rows[0].id,
    ]);
    expect(stored.rows[0].acknowledged_by_actor).toBe('admin key');
    await page.close();
  });

  it('logs in with the admin key, approves a withdrawal in review with a reason, and shows it moving on and who decided', async () => {
    const id = await withdrawalInReview();
    const page = await loggedInPage();
    expect(await page.textContent('#actor')).toBe('admin key');

    const row = page.locator(`#review-rows tr[data-withdrawal="${id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('large_amount');
    expect(await row.locator('a.temporal').getAttribute('href')).toBe(
      `http://localhost:8233/namespaces/default/workflows/withdrawal-${id}`,
    );
    await page.screenshot({ path: screenshotPath, fullPage: true });

    // No reason, no decision: the page says so and the withdrawal stays in review.
    await row.locator('button.approve').click();
    await page.waitForSelector('#message:text("a reason is required")');
    expect(await status(id)).toBe('review');

    await row.locator('input.reason').fill('customer verified by phone');
    await row.locator('button.approve').click();
    await page.waitForSelector('#message.ok');
    expect(await page.textContent('#message')).toMatch(/approved, now (queued|broadcast|confirmed)/);
    await row.waitFor({ state: 'detached' });
    const audit = page.locator(`#audit-rows tr[data-audit="${id}"]`);
    await audit.waitFor();
    const text = await audit.textContent();
    expect(text).toContain('admin key (console)');
    expect(text).toContain('withdrawal.approve');
    expect(text).toContain('customer verified by phone');
    expect(text).toContain('applied');

    await chain.mineUntil(async () => (await status(id)) === 'confirmed');
    await page.click('#refresh');
    await page.waitForSelector(`#audit-rows tr[data-audit="${id}"] .status-confirmed`);

    const rows = await stack.db.query(
      'SELECT actor, channel, via, reason, outcome FROM admin_audit WHERE subject_id = $1',
      [id],
    );
    expect(rows.rows).toEqual([
      {
        actor: 'admin key',
        channel: 'console',
        via: 'admin_key',
        reason: 'customer verified by phone',
        outcome: 'applied',
      },
    ]);
    await page.close();
  });

  it('sets an HttpOnly SameSite=Strict session cookie, and logout ends the session', async () => {
    const page = await loggedInPage();
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({
      name: 'agentrent_console',
      httpOnly: true,
      sameSite: 'Strict',
      secure: false,
    });
    // Script cannot read it (HttpOnly).
    expect(await page.evaluate('document.cookie')).toBe('');

    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.context().cookies()).toEqual([]);

    // The old cookie no longer opens anything, even when replayed by hand.
    const replayed = await fetch(`${stack.url}/api/v1/admin/withdrawals`, {
      headers: { Cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ code: 'console_session_expired' });
    await page.close();
  });

  it('refuses a state-changing request that carries the session cookie but no CSRF token', async () => {
    const id = await withdrawalInReview();
    const page = await loggedInPage();
    const answer = await page.evaluate(async (withdrawalId) => {
      const res = await fetch(`/api/v1/admin/withdrawals/${withdrawalId}/approve`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ reason: 'forged' }),
      });
      return { status: res.status, body: await res.json() };
    }, id);
    expect(answer).toEqual({
      status: 403,
      body: { error: 'missing X-CSRF-Token header', code: 'csrf_token_missing' },
    });
    expect(await status(id)).toBe('review');
    expect((await stack.db.query('SELECT 1 FROM admin_audit WHERE subject_id = $1', [id])).rowCount).toBe(0);
    await page.close();
  });

  it('refuses a wrong admin key at login and sets no cookie', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/admin`);
    await page.fill('#key', 'not-the-admin-key-0123456789');
    await page.click('#login-key button[type=submit]');
    await page.waitForSelector('#message:text("login refused")');
    expect(await page.isHidden('#console')).toBe(true);
    expect(await page.context().cookies()).toEqual([]);
    await page.close();
  });
});

describe('admin JSON endpoints', () => {
  let stack: Stack;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStack({
      config: {
        TRON_HOT_WALLET_PRIVATE_KEY: hotWallet.privateKey,
        WITHDRAWAL_REVIEW_NEW_ADDRESS: 'false',
        WITHDRAWAL_REVIEW_ABOVE_USD: '500',
      },
    });
    admin = apiClient(stack.url, TEST_ADMIN_KEY);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Logs in by API and answers the cookie header and CSRF token of the session. */
  async function session(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${stack.url}/api/v1/admin/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: TEST_ADMIN_KEY }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { csrf_token: string };
    return { cookie: res.headers.get('set-cookie')!.split(';')[0], csrf: body.csrf_token };
  }

  it('refuses a wrong key at login with 401', async () => {
    const res = await apiClient(stack.url)('POST', '/api/v1/admin/session', {
      key: 'wrong-key-0123456789abcdef',
    });
    expect(res.status).toBe(401);
  });

  it('refuses a cookie-authenticated state change from another origin even with the CSRF token', async () => {
    const { cookie, csrf } = await session();
    const res = await fetch(`${stack.url}/api/v1/admin/alerts/1/acknowledge`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, Origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'origin_refused' });
  });

  it('refuses the admin endpoints to a non-admin key with 403', async () => {
    const user = await createFundedAccount(stack.db, 0);
    const res = await apiClient(stack.url, user.apiKey)('GET', '/api/v1/admin/alerts');
    expect(res.status).toBe(403);
  });

  it('requires a reason to approve or reject a withdrawal', async () => {
    for (const decision of ['approve', 'reject']) {
      const res = await admin('POST', `/api/v1/admin/withdrawals/${randomUUID()}/${decision}`, {});
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'reason: is required: say why' });
    }
  });

  it('audits a decision made with the admin key header, and a refused second decision, with who and why', async () => {
    const account = await createFundedAccount(stack.db, 1000);
    const res = await apiClient(stack.url, account.apiKey)<{ withdrawal_id: string }>(
      'POST',
      '/api/v1/finance/withdraw',
      { amount: 600, address: utils.accounts.generateAccount().address.base58, currency: 'USDT' },
      { 'Idempotency-Key': randomUUID() },
    );
    const id = res.body.withdrawal_id;
    await waitFor(
      async () =>
        (await admin<{ status: string }>('GET', `/api/v1/admin/withdrawals/${id}`)).body.status === 'review',
      15_000,
      'review',
    );
    const listed = await admin<{ withdrawals: Array<{ withdrawal_id: string }> }>(
      'GET',
      '/api/v1/admin/withdrawals?status=review&limit=100',
    );
    expect(listed.body.withdrawals.map((w) => w.withdrawal_id)).toContain(id);

    expect(
      (await admin('POST', `/api/v1/admin/withdrawals/${id}/reject`, { reason: 'sanctioned address' }))
        .status,
    ).toBe(200);
    expect(
      (await admin('POST', `/api/v1/admin/withdrawals/${id}/approve`, { reason: 'changed my mind' })).status,
    ).toBe(409);

    const view = await admin<{ status: string; audit: Array<Record<string, unknown>> }>(
      'GET',
      `/api/v1/admin/withdrawals/${id}`,
    );
    expect(view.body.audit).toEqual([
      expect.objectContaining({
        action: 'withdrawal.approve',
        reason: 'changed my mind',
        actor: 'admin key',
        channel: 'api',
        outcome: 'refused',
      }),
      expect.objectContaining({
        action: 'withdrawal.reject',
        reason: 'sanctioned address',
        actor: 'admin key',
        channel: 'api',
        outcome: 'applied',
      }),
    ]);
  });

  it('lists open alerts, acknowledges one once with who and when, and lists it as acknowledged', async () => {
    const subject = `webhook-${randomUUID()}:deliverWebhook`;
    const inserted = await stack.db.query<{ id: number }>(
      `INSERT INTO operator_alerts (kind, subject, message) VALUES ('test_alert', $1, 'it broke') RETURNING id`,
      [subject],
    );
    const id = inserted.rows[0].id;
    const open = await admin<{ alerts: Array<{ id: number; state: string; temporal_url: string }> }>(
      'GET',
      '/api/v1/admin/alerts?status=open',
    );
    const listed = open.body.alerts.find((a) => a.id === id);
    expect(listed).toMatchObject({
      state: 'open',
      temporal_url: `http://localhost:8233/namespaces/default/workflows/${subject.split(':')[0]}`,
    });

    const acks = await Promise.all(
      Array.from({ length: 20 }, () => admin('POST', `/api/v1/admin/alerts/${id}/acknowledge`, {})),
    );
    expect(acks.every((a) => a.status === 200 && a.body.state === 'acknowledged')).toBe(true);
    const audit = await stack.db.query<{ outcome: string }>(
      `SELECT outcome FROM admin_audit WHERE action = 'alert.acknowledge' AND subject_id = $1`,
      [String(id)],
    );
    expect(audit.rows.filter((r) => r.outcome === 'applied')).toHaveLength(1);

    const acknowledged = await admin<{ alerts: Array<{ id: number; acknowledged_by: string }> }>(
      'GET',
      '/api/v1/admin/alerts?status=acknowledged',
    );
    expect(acknowledged.body.alerts.find((a) => a.id === id)?.acknowledged_by).toBe('admin key');
    expect((await admin('POST', '/api/v1/admin/alerts/999999999/acknowledge', {})).status).toBe(404);
  });

  it('pages the alerts with an opaque cursor', async () => {
    for (let i = 0; i < 3; i++)
      await stack.db.query(
        `INSERT INTO operator_alerts (kind, subject, message) VALUES ('page_test', $1, 'x')`,
        [randomUUID()],
      );
    const first = await admin<{ alerts: Array<{ id: number }>; next_cursor: string; has_more: boolean }>(
      'GET',
      '/api/v1/admin/alerts?status=all&limit=2',
    );
    expect(first.body.has_more).toBe(true);
    const second = await admin<{ alerts: Array<{ id: number }> }>(
      'GET',
      `/api/v1/admin/alerts?status=all&limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.alerts[0].id).toBeLessThan(first.body.alerts[1].id);
    expect((await admin('GET', '/api/v1/admin/alerts?cursor=bogus')).status).toBe(400);
  });

  it('shows the hot wallet balances read from the chain', async () => {
    const chain = devchain(stack.config.TRON_FULL_HOST, stack.config.TRON_USDT_CONTRACT!);
    const wallet = utils.accounts.generateAccount();
    await stack.stop();
    stack = await startStack({ config: { TRON_HOT_WALLET_ADDRESS: wallet.address.base58 } });
    admin = apiClient(stack.url, TEST_ADMIN_KEY);
    await chain.mint(wallet.address.base58, { usdt: 1234.5, trx: 77 });
    const res = await admin('GET', '/api/v1/admin/wallet');
    expect(res.body).toMatchObject({ address: wallet.address.base58, usdt: 1234.5, trx: 77 });
  });

  it('shows an unconfigured hot wallet as a state (200, no balances), not a server error', async () => {
    const plain = await startStack({
      config: { TRON_HOT_WALLET_ADDRESS: undefined, TRON_HOT_WALLET_PRIVATE_KEY: undefined },
    });
    try {
      const res = await apiClient(plain.url, TEST_ADMIN_KEY)('GET', '/api/v1/admin/wallet');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ configured: false, address: null, trx: null, usdt: null });
    } finally {
      await plain.stop();
    }
  });

  it('shows the deposit watcher’s lag behind the chain head', async () => {
    const watcherId = stack.config.TRON_DEPOSIT_WATCHER_ID;
    await stack.db.query(
      `INSERT INTO deposit_watch_cursors (watcher_id, next_block) VALUES ($1, 1)
       ON CONFLICT (watcher_id) DO UPDATE SET next_block = 1, updated_at = now()`,
      [watcherId],
    );
    const res = await admin<{ lag_blocks: number; head_block: number; next_block: number }>(
      'GET',
      '/api/v1/admin/watcher',
    );
    expect(res.status).toBe(200);
    expect(res.body.next_block).toBe(1);
    expect(res.body.lag_blocks).toBe(res.body.head_block);
  });

  it('lists disabled webhook endpoints and finds an account by id', async () => {
    const account = await createFundedAccount(stack.db, 0, { webhookUrl: 'http://127.0.0.1:1/hook' });
    await stack.db.query('UPDATE accounts SET webhook_disabled_at = now() WHERE id = $1', [account.id]);
    const disabled = await admin<{ endpoints: Array<{ account_id: string; temporal_url: string }> }>(
      'GET',
      '/api/v1/admin/webhooks/disabled',
    );
    expect(disabled.body.endpoints.find((e) => e.account_id === account.id)?.temporal_url).toContain(
      encodeURIComponent(`AccountIds="${account.id}"`),
    );
    const found = await admin<{ results: Array<{ kind: string; id: string }> }>(
      'GET',
      `/api/v1/admin/search?q=${account.id}`,
    );
    expect(found.body.results).toEqual([
      expect.objectContaining({ kind: 'account', id: account.id, is_bot: false }),
    ]);
  });
});
