// The operator console's script: plain DOM, no build step. Every text goes in through
// textContent (never innerHTML), so alert messages and addresses cannot inject markup.
'use strict';

(() => {
  const API = '/api/v1/admin';
  let session = null; // { actor, csrf_token, temporal_ui_url, temporal_namespace }

  const $ = (id) => document.getElementById(id);

  function say(text, ok = false) {
    $('message').textContent = text || '';
    $('message').className = ok ? 'ok' : '';
  }

  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (res.status === 401 && path !== `${API}/session`) showLogin('session ended: log in again');
    return { status: res.status, ok: res.ok, json };
  }

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  /** A link to the Temporal UI (only http(s) URLs the API built). */
  function temporalLink(url, text) {
    if (!url || !/^https?:\/\//.test(url)) return el('span', text);
    const a = el('a', text, { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'temporal' });
    a.title = 'open in the Temporal UI';
    return a;
  }

  function workflowUrl(workflowId) {
    const base = session.temporal_ui_url.replace(/\/+$/, '');
    return `${base}/namespaces/${encodeURIComponent(session.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  function row(cells, attrs) {
    const tr = el('tr', undefined, attrs);
    for (const c of cells) {
      const td = el('td');
      if (c instanceof Node) td.appendChild(c);
      else td.textContent = c === null || c === undefined ? '—' : String(c);
      tr.appendChild(td);
    }
    return tr;
  }

  function fill(tbody, rows, columns, emptyText) {
    tbody.replaceChildren();
    if (rows.length === 0) {
      const td = el('td', emptyText, { colspan: String(columns), class: 'empty' });
      const tr = el('tr');
      tr.appendChild(td);
      tbody.appendChild(tr);
      return;
    }
    for (const r of rows) tbody.appendChild(r);
  }

  const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '—');
  const short = (id) => (id ? String(id).slice(0, 8) : '—');

  // ---- panels ----

  async function loadReview() {
    const r = await call('GET', `${API}/withdrawals?status=review&limit=100`);
    if (!r.ok) return fill($('review-rows'), [], 7, `unavailable: ${r.json.error || r.status}`);
    const rows = r.json.withdrawals.map((w) => {
      const decide = el('span', undefined, { class: 'decide' });
      const reason = el('input', undefined, {
        class: 'reason',
        placeholder: 'reason',
        'aria-label': `reason for ${w.withdrawal_id}`,
        maxlength: '500',
      });
      const approve = el('button', 'Approve', { type: 'button', class: 'approve' });
      const reject = el('button', 'Reject', { type: 'button', class: 'reject' });
      approve.addEventListener('click', () => decideWithdrawal(w.withdrawal_id, 'approve', reason.value));
      reject.addEventListener('click', () => decideWithdrawal(w.withdrawal_id, 'reject', reason.value));
      decide.append(reason, approve, reject);
      return row(
        [
          temporalLink(w.temporal_url, short(w.withdrawal_id)),
          short(w.account_id),
          `${w.amount} USDT (net ${w.net_amount})`,
          el('code', w.address),
          w.review_reasons.join(', '),
          when(w.created_at),
          decide,
        ],
        { 'data-withdrawal': w.withdrawal_id },
      );
    });
    fill($('review-rows'), rows, 7, 'nothing waits for review');
  }

  async function decideWithdrawal(id, decision, reason) {
    if (!reason.trim()) return say(`a reason is required to ${decision}`);
    const r = await call('POST', `${API}/withdrawals/${id}/${decision}`, { reason: reason.trim() });
    if (r.ok) {
      say(`withdrawal ${short(id)}: ${decision}d, now ${r.json.status}`, true);
      // The workflow answers at once; its read model follows a moment later.
      for (let i = 0; i < 40; i++) {
        const w = await call('GET', `${API}/withdrawals/${id}`);
        if (!w.ok || w.json.status !== 'review') break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } else say(`${decision} refused: ${r.json.error || r.status}`);
    await Promise.all([loadReview(), loadAudit()]);
  }

  async function loadAudit() {
    const r = await call('GET', `${API}/audit?limit=20`);
    if (!r.ok) return fill($('audit-rows'), [], 7, `unavailable: ${r.json.error || r.status}`);
    const rows = r.json.audit.map((a) => {
      const subject = a.action.startsWith('withdrawal.')
        ? temporalLink(workflowUrl(`withdrawal-${a.subject_id}`), short(a.subject_id))
        : a.action.startsWith('alert.')
          ? el('span', `alert ${a.subject_id}`)
          : a.action.startsWith('adjustment.')
            ? el('span', `account ${short(a.subject_id)}`, { title: a.subject_id })
            : el('span', a.subject_id);
      return row(
        [
          when(a.created_at),
          `${a.actor} (${a.channel})`,
          a.action,
          subject,
          a.reason,
          el('span', a.outcome_detail ? `${a.outcome}: ${a.outcome_detail}` : a.outcome, {
            class: `outcome-${a.outcome}`,
          }),
          el('span', a.subject_status, { class: `status-${a.subject_status}` }),
        ],
        { 'data-audit': a.subject_id },
      );
    });
    fill($('audit-rows'), rows, 7, 'no decisions yet');
  }

  async function loadAlerts() {
    const state = document.querySelector('input[name="alert-state"]:checked').value;
    const r = await call('GET', `${API}/alerts?status=${state}&limit=100`);
    if (!r.ok) return fill($('alert-rows'), [], 6, `unavailable: ${r.json.error || r.status}`);
    const rows = r.json.alerts.map((a) => {
      let action = el('span', a.acknowledged_by ? `by ${a.acknowledged_by} ${when(a.acknowledged_at)}` : '');
      if (a.state === 'open') {
        action = el('button', 'Acknowledge', { type: 'button', class: 'ack' });
        action.addEventListener('click', async () => {
          const res = await call('POST', `${API}/alerts/${a.id}/acknowledge`, {});
          if (res.ok) say(`alert ${a.id} acknowledged`, true);
          else say(`acknowledge refused: ${res.json.error || res.status}`);
          await Promise.all([loadAlerts(), loadAudit()]);
        });
      }
      return row(
        [
          a.kind,
          a.temporal_url ? temporalLink(a.temporal_url, a.subject) : a.subject,
          a.message,
          when(a.last_seen_at),
          el('span', a.state, { class: `state-${a.state}` }),
          action,
        ],
        { 'data-alert': String(a.id) },
      );
    });
    fill($('alert-rows'), rows, 6, `no ${state} alerts`);
  }

  function describe(dl, pairs) {
    dl.replaceChildren();
    for (const [k, v] of pairs) {
      dl.appendChild(el('dt', k));
      const dd = el('dd');
      if (v instanceof Node) dd.appendChild(v);
      else dd.textContent = v === null || v === undefined ? '—' : String(v);
      dl.appendChild(dd);
    }
  }

  async function loadWallet() {
    const r = await call('GET', `${API}/wallet`);
    if (!r.ok) return describe($('wallet-info'), [['status', r.json.error || `HTTP ${r.status}`]]);
    if (!r.json.configured)
      return describe($('wallet-info'), [
        ['status', 'not configured: set TRON_HOT_WALLET_ADDRESS (or the key) and TRON_USDT_CONTRACT'],
      ]);
    describe($('wallet-info'), [
      ['address', el('code', r.json.address)],
      ['USDT', r.json.usdt],
      ['TRX', `${r.json.trx} (one withdrawal may burn up to ${r.json.fee_limit_trx})`],
      ['checked', when(r.json.checked_at)],
    ]);
  }

  async function loadWatcher() {
    const r = await call('GET', `${API}/watcher`);
    if (!r.ok) return describe($('watcher-info'), [['status', r.json.error || `HTTP ${r.status}`]]);
    const w = r.json;
    describe($('watcher-info'), [
      ['workflow', temporalLink(w.temporal_url, w.watcher_id)],
      ['lag', w.lag_blocks === null ? 'unknown' : `${w.lag_blocks} blocks`],
      ['next block', w.next_block],
      ['chain head', w.head_block],
      ['cursor saved', w.seconds_since_update === null ? 'never' : `${w.seconds_since_update} s ago`],
    ]);
  }

  async function loadWebhooks() {
    const r = await call('GET', `${API}/webhooks/disabled?limit=100`);
    if (!r.ok) return fill($('webhook-rows'), [], 4, `unavailable: ${r.json.error || r.status}`);
    const rows = r.json.endpoints.map((e) =>
      row([
        temporalLink(e.temporal_url, e.name || short(e.account_id)),
        e.webhook_url,
        when(e.disabled_at),
        e.last_error,
      ]),
    );
    fill($('webhook-rows'), rows, 4, 'no disabled endpoints');
  }

  async function loadRepairs() {
    const r = await call('GET', `${API}/reconciler/repairs?limit=50`);
    if (!r.ok) return fill($('repair-rows'), [], 6, `unavailable: ${r.json.error || r.status}`);
    const rows = r.json.repairs.map((x) =>
      row([
        when(x.created_at),
        short(x.account_id),
        x.subject,
        `${x.amount} USDT`,
        temporalLink(workflowUrl(x.owner_workflow_id), x.owner_workflow_id),
        x.owner_status ? `${x.owner_state} (${x.owner_status})` : x.owner_state,
      ]),
    );
    fill($('repair-rows'), rows, 6, 'no repairs');
  }

  async function liftLockout() {
    const body = { reason: $('lift-reason').value.trim() };
    const email = $('lift-email').value.trim();
    const ip = $('lift-ip').value.trim();
    if (email) body.email = email;
    if (ip) body.ip = ip;
    if (!email && !ip) return say('name an email, an IP, or both');
    const r = await call('POST', `${API}/lockouts/lift`, body);
    if (r.ok) {
      say(`lock-out lifted: ${r.json.counters_cleared} counters cleared`, true);
      $('lift-email').value = '';
      $('lift-ip').value = '';
      $('lift-reason').value = '';
    } else say(`lift refused: ${r.json.error || r.status}`);
    await loadAudit();
  }

  async function search(q) {
    const r = await call('GET', `${API}/search?q=${encodeURIComponent(q)}`);
    if (!r.ok) return fill($('search-rows'), [], 4, r.json.error || `HTTP ${r.status}`);
    const rows = r.json.results.map((h) =>
      row([
        h.kind === 'account' ? (h.is_bot ? 'account (bot)' : 'account (person)') : h.kind,
        temporalLink(h.temporal_url, h.id),
        h.label,
        h.status,
      ]),
    );
    fill($('search-rows'), rows, 4, `nothing found for “${q}”`);
  }

  async function refresh() {
    await Promise.all([
      loadReview(),
      loadAudit(),
      loadAlerts(),
      loadWallet(),
      loadWatcher(),
      loadWebhooks(),
      loadRepairs(),
    ]);
  }

  // ---- session ----

  function showLogin(text) {
    session = null;
    $('console').hidden = true;
    $('who').hidden = true;
    $('login').hidden = false;
    say(text);
  }

  async function showConsole(s) {
    session = s;
    $('actor').textContent = s.actor;
    $('login').hidden = true;
    $('who').hidden = false;
    $('console').hidden = false;
    await refresh();
  }

  async function login(body) {
    const r = await call('POST', `${API}/session`, body);
    if (!r.ok) return say(`login refused: ${r.json.error || r.status}`);
    say('');
    $('key').value = '';
    $('password').value = '';
    await showConsole(r.json);
  }

  document.addEventListener('DOMContentLoaded', async () => {
    $('login-key').addEventListener('submit', (e) => {
      e.preventDefault();
      login({ key: $('key').value });
    });
    $('login-account').addEventListener('submit', (e) => {
      e.preventDefault();
      login({ email: $('email').value, password: $('password').value });
    });
    $('logout').addEventListener('click', async () => {
      const r = await call('DELETE', `${API}/session`);
      showLogin(r.ok ? 'logged out' : `logout: ${r.json.error || r.status}`);
    });
    $('refresh').addEventListener('click', () => refresh());
    for (const radio of document.querySelectorAll('input[name="alert-state"]'))
      radio.addEventListener('change', () => loadAlerts());
    $('lift-form').addEventListener('submit', (e) => {
      e.preventDefault();
      liftLockout();
    });
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      search($('q').value.trim());
    });

    const r = await call('GET', `${API}/session`);
    if (r.ok) await showConsole(r.json);
    else showLogin('');
  });
})();
