/**
 * The daily purge of expired idempotency keys: rows older than the retention go, younger ones
 * stay, the schedule exists, and a purged REST key is no longer replayed.
 */
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { ensureSchedules } from '../../worker/schedules';
import {
  IDEMPOTENCY_KEY_PURGE_INTERVAL,
  IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE,
  idempotencyKeyPurgeStartOptions,
  type PurgeExpiredIdempotencyKeysWorkflow,
} from '../../workflows/maintenance/contract';
import { apiClient, availableMicro, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('idempotency key purge', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const purge = (olderThanHours?: number) =>
    stack.client.workflow.execute<PurgeExpiredIdempotencyKeysWorkflow>(
      IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE,
      idempotencyKeyPurgeStartOptions(
        `idempotency-key-purge-test-${randomUUID()}`,
        stack.config.TEMPORAL_TASK_QUEUE,
        olderThanHours === undefined ? {} : { olderThanHours },
      ),
    );

  const insertKey = (accountId: string, key: string, ageMs: number, state: 'done' | 'in_flight') =>
    stack.db.query(
      `INSERT INTO idempotency_keys (account_id, scope, key, request_hash, state, created_at)
       VALUES ($1, 'test-scope', $2, 'hash', $3, now() - make_interval(secs => $4))`,
      [accountId, key, state, ageMs / 1000],
    );

  const keysOf = async (accountId: string) =>
    (
      await stack.db.query<{ key: string }>(
        'SELECT key FROM idempotency_keys WHERE account_id = $1 ORDER BY key',
        [accountId],
      )
    ).rows.map((r) => r.key);

  it('deletes keys older than the retention, done or in flight, and keeps younger ones', async () => {
    const account = await createTestAccount(stack.db);
    await insertKey(account.id, 'done-1h', 1 * HOUR, 'done');
    await insertKey(account.id, 'done-24h-minus-1min', 24 * HOUR - MINUTE, 'done');
    await insertKey(account.id, 'in-flight-24h-minus-1min', 24 * HOUR - MINUTE, 'in_flight');
    await insertKey(account.id, 'done-24h-plus-1min', 24 * HOUR + MINUTE, 'done');
    await insertKey(account.id, 'done-30d', 30 * 24 * HOUR, 'done');
    await insertKey(account.id, 'in-flight-25h', 25 * HOUR, 'in_flight');

    const result = await purge(24);

    expect(result.deleted).toBeGreaterThanOrEqual(3);
    expect(await keysOf(account.id)).toEqual(['done-1h', 'done-24h-minus-1min', 'in-flight-24h-minus-1min']);
  });

  it('uses IDEMPOTENCY_KEY_RETENTION_HOURS (72 by default) when the run names none', async () => {
    expect(stack.config.IDEMPOTENCY_KEY_RETENTION_HOURS).toBe(72);
    const account = await createTestAccount(stack.db);
    await insertKey(account.id, 'done-71h', 71 * HOUR, 'done');
    await insertKey(account.id, 'done-73h', 73 * HOUR, 'done');

    await purge();

    expect(await keysOf(account.id)).toEqual(['done-71h']);
  });

  it('refuses a retention below 24 h and deletes nothing', async () => {
    const account = await createTestAccount(stack.db);
    await insertKey(account.id, 'done-2h', 2 * HOUR, 'done');
    await expect(purge(1)).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await keysOf(account.id)).toEqual(['done-2h']);
  });

  it('is scheduled daily with overlap skip, idempotently', async () => {
    const opts = {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      agentHealthScheduleId: `agent-health-checks-test-${randomUUID()}`,
      idempotencyKeyPurgeScheduleId: `idempotency-key-purge-test-${randomUUID()}`,
      reconcilerScheduleId: `held-balance-reconciler-test-${randomUUID()}`,
      orphanBlobSweepScheduleId: `orphan-file-blob-sweep-test-${randomUUID()}`,
      auditCompletionScheduleId: `admin-audit-completion-test-${randomUUID()}`,
    };
    await ensureSchedules(stack.client, opts);
    await ensureSchedules(stack.client, opts); // a second worker start converges, never throws
    const handle = stack.client.schedule.getHandle(opts.idempotencyKeyPurgeScheduleId);
    try {
      const described = await handle.describe();
      expect(IDEMPOTENCY_KEY_PURGE_INTERVAL).toBe('1 day');
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([24 * HOUR]);
      expect(described.action.workflowType).toBe('purgeExpiredIdempotencyKeysWorkflow');
      expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    } finally {
      await handle.delete();
      await stack.client.schedule.getHandle(opts.agentHealthScheduleId).delete();
      await stack.client.schedule.getHandle(opts.reconcilerScheduleId).delete();
      await stack.client.schedule.getHandle(opts.orphanBlobSweepScheduleId).delete();
      await stack.client.schedule.getHandle(opts.auditCompletionScheduleId).delete();
    }
  });

  it('no longer replays a purged REST key: the request runs afresh, the ledger still posts once', async () => {
    const account = await createTestAccount(stack.db);
    const admin = apiClient(stack.url, TEST_ADMIN_KEY);
    const key = `purge-${randomUUID()}`;
    const body = { account_id: account.id, amount: 5, reason: 'purge test' };
    const adjust = () =>
      admin<{ id: string }>('POST', '/api/v1/admin/adjustments', body, { 'Idempotency-Key': key });

    const first = await adjust();
    expect(first.status).toBe(201);
    const replay = await adjust();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    await stack.db.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE scope = 'admin-adjustment' AND key = $1`,
      [key],
    );
    await purge(24);
    const stored = await stack.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    expect(stored.rowCount).toBe(0);

    const again = await adjust();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    // The adjustment id is derived from the key, so the ledger's own key still holds: one credit.
    expect(again.body.id).toBe(first.body.id);
    expect(await availableMicro(stack.db, account.id)).toBe(5_000_000);
  });
});
