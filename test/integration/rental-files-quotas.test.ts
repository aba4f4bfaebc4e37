/**
 * Issue 24.2 on the real stack (local file store): storage quotas per rental and per bot owner
 * hold when uploads race on two API processes — over quota is 413 `storage_quota_exceeded` with
 * neither a row nor a blob left — and the hourly sweeper deletes blobs no row references once they
 * are an hour old, recording each. Before the quotas every upload below was stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureSchedules } from '../../worker/schedules';
import {
  ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
  orphanBlobSweepStartOptions,
  type SweepOrphanFileBlobsWorkflow,
} from '../../workflows/maintenance/contract';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startPeerApi, startStack } from '../harness/stack';

const KB = 1024;
const RENTAL_QUOTA = 1000 * KB;
const ACCOUNT_QUOTA = 1500 * KB;
const HOUR = 3600_000;

describe('rental file quotas and the orphan sweeper', () => {
  let stack: Stack;
  let peer: Awaited<ReturnType<typeof startPeerApi>>;
  let storageDir: string;

  beforeAll(async () => {
    storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-quota-files-'));
    stack = await startStack({
      config: {
        FILE_STORAGE_DIR: storageDir,
        FILE_QUOTA_RENTAL_BYTES: String(RENTAL_QUOTA),
        FILE_QUOTA_ACCOUNT_BYTES: String(ACCOUNT_QUOTA),
      },
    });
    peer = await startPeerApi(stack);
  });
  afterAll(async () => {
    await peer?.close();
    await stack?.stop();
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);
  /** Blobs in the store (the .tmp folder of partial writes aside). */
  const blobs = () => fs.readdirSync(storageDir).filter((n) => n !== '.tmp');

  async function rentalOf(owner: TestAccount) {
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.1 });
    const renter = await createFundedAccount(stack.db, 50);
    const res = await as(renter)<{ id: string }>('POST', '/api/rentals', { agent_id: bot.id, minutes: 30 });
    expect(res.status).toBe(201);
    return { bot, renter, rentalId: res.body.id };
  }

  async function upload(baseUrl: string, by: TestAccount, rentalId: string, size: number) {
    const form = new FormData();
    form.append('file', new Blob([randomBytes(size)]), 'out.bin');
    const res = await fetch(`${baseUrl}/api/rentals/${rentalId}/files`, {
      method: 'POST',
      headers: { 'X-API-Key': by.apiKey },
      body: form,
    });
    return {
      status: res.status,
      body: (await res.json()) as { code?: string; error?: string; size?: number },
    };
  }

  const storedFor = async (rentalIds: string[]) =>
    (
      await stack.db.query<{ n: number; bytes: string }>(
        'SELECT count(*)::int AS n, coalesce(sum(size), 0)::text AS bytes FROM rental_files WHERE rental_id = ANY($1::uuid[])',
        [rentalIds],
      )
    ).rows[0];

  it('uploads racing on two API processes never store more than the rental quota; the rest are 413 with no row and no blob', async () => {
    const owner = await createTestAccount(stack.db);
    const { bot, rentalId } = await rentalOf(owner);
    const blobsBefore = blobs().length;
    // 8 × 300 KB against a 1000 KB rental quota: at most 3 fit, whichever order they land in.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(i % 2 ? peer.url : stack.url, bot, rentalId, 300 * KB)),
    );
    const stored = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 413);
    expect(stored).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.body.code).toBe('storage_quota_exceeded');
    const rows = await storedFor([rentalId]);
    expect(rows.n).toBe(3);
    expect(Number(rows.bytes)).toBeLessThanOrEqual(RENTAL_QUOTA);
    expect(blobs().length - blobsBefore).toBe(3);
  });

  it("one owner's bots share the account quota: a second bot's upload past it is 413, nothing stored", async () => {
    const owner = await createTestAccount(stack.db);
    const first = await rentalOf(owner);
    const second = await rentalOf(owner);
    expect((await upload(stack.url, first.bot, first.rentalId, 900 * KB)).status).toBe(201);
    const blobsBefore = blobs().length;

    const over = await upload(peer.url, second.bot, second.rentalId, 700 * KB);

    // 700 KB fits the second rental's own quota (1000 KB): the account's is what refuses it.
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({
      code: 'storage_quota_exceeded',
      error: expect.stringContaining('FILE_QUOTA_ACCOUNT_BYTES'),
    });
    expect((await storedFor([second.rentalId])).n).toBe(0);
    expect(blobs().length).toBe(blobsBefore);
    // What still fits is accepted.
    expect((await upload(stack.url, second.bot, second.rentalId, 500 * KB)).status).toBe(201);
  });

  it("an upload that fits the owner's quota but not its rental's is 413 naming the rental quota, nothing stored", async () => {
    const owner = await createTestAccount(stack.db);
    const { bot, rentalId } = await rentalOf(owner);
    expect((await upload(stack.url, bot, rentalId, 900 * KB)).status).toBe(201);
    const blobsBefore = blobs().length;

    // 900 + 200 KB: past the rental's 1000 KB, well within the owner's 1500 KB.
    const over = await upload(peer.url, bot, rentalId, 200 * KB);

    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({
      code: 'storage_quota_exceeded',
      error: expect.stringContaining('FILE_QUOTA_RENTAL_BYTES'),
    });
    expect((await storedFor([rentalId])).n).toBe(1);
    expect(blobs().length).toBe(blobsBefore);
  });

  it('an owner already at the quota is refused whatever the size, before the bytes are stored', async () => {
    const owner = await createTestAccount(stack.db);
    const { bot, rentalId } = await rentalOf(owner);
    expect((await upload(stack.url, bot, rentalId, RENTAL_QUOTA)).status).toBe(201);
    const blobsBefore = blobs().length;
    const r = await upload(stack.url, bot, rentalId, 1);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('storage_quota_exceeded');
    expect(blobs().length).toBe(blobsBefore);
  });

  describe('the orphan sweeper', () => {
    const plant = (ageMs: number) => {
      const key = randomUUID();
      const file = path.join(storageDir, key);
      fs.writeFileSync(file, randomBytes(1234));
      const at = new Date(Date.now() - ageMs);
      fs.utimesSync(file, at, at);
      return key;
    };
    const sweep = () =>
      stack.client.workflow.execute<SweepOrphanFileBlobsWorkflow>(
        ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
        orphanBlobSweepStartOptions(`orphan-sweep-test-${randomUUID()}`, stack.config.TEMPORAL_TASK_QUEUE),
      );

    it('deletes a blob with no row once it is over an hour old and records it; keeps young orphans and referenced blobs', async () => {
      const owner = await createTestAccount(stack.db);
      const { bot, rentalId } = await rentalOf(owner);
      expect((await upload(stack.url, bot, rentalId, 10 * KB)).status).toBe(201);
      const [referenced] = (
        await stack.db.query<{ storage_key: string }>(
          'SELECT storage_key FROM rental_files WHERE rental_id = $1',
          [rentalId],
        )
      ).rows.map((r) => r.storage_key);
      const aged = new Date(Date.now() - 2 * HOUR);
      fs.utimesSync(path.join(storageDir, referenced), aged, aged);
      const oldOrphan = plant(HOUR + 5 * 60_000);
      const youngOrphan = plant(50 * 60_000);

      const result = await sweep();

      expect(result.swept).toBeGreaterThanOrEqual(1);
      expect(blobs()).not.toContain(oldOrphan);
      expect(blobs()).toEqual(expect.arrayContaining([youngOrphan, referenced]));
      const recorded = await stack.db.query<{ size: string }>(
        'SELECT size::text FROM swept_file_blobs WHERE storage_key = $1',
        [oldOrphan],
      );
      expect(recorded.rows).toEqual([{ size: '1234' }]);
      const kept = await stack.db.query('SELECT 1 FROM swept_file_blobs WHERE storage_key = ANY($1)', [
        [youngOrphan, referenced],
      ]);
      expect(kept.rowCount).toBe(0);
    });

    it('is scheduled hourly with overlap skip, idempotently', async () => {
      const opts = {
        taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
        agentHealthScheduleId: `agent-health-checks-test-${randomUUID()}`,
        idempotencyKeyPurgeScheduleId: `idempotency-key-purge-test-${randomUUID()}`,
        reconcilerScheduleId: `held-balance-reconciler-test-${randomUUID()}`,
        orphanBlobSweepScheduleId: `orphan-file-blob-sweep-test-${randomUUID()}`,
        auditCompletionScheduleId: `admin-audit-completion-test-${randomUUID()}`,
      };
      await ensureSchedules(stack.client, opts);
      await ensureSchedules(stack.client, opts);
      try {
        const described = await stack.client.schedule.getHandle(opts.orphanBlobSweepScheduleId).describe();
        expect(described.spec.intervals?.map((i) => i.every)).toEqual([HOUR]);
        expect(described.action.workflowType).toBe('sweepOrphanFileBlobsWorkflow');
        expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      } finally {
        for (const id of [
          opts.agentHealthScheduleId,
          opts.idempotencyKeyPurgeScheduleId,
          opts.reconcilerScheduleId,
          opts.orphanBlobSweepScheduleId,
          opts.auditCompletionScheduleId,
        ])
          await stack.client.schedule.getHandle(id).delete();
      }
    });
  });
});
