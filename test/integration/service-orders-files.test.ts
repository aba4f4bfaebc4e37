/**
 * Files of a service order's delivery (issue 23.1) over the whole stack (local file store): the
 * seller uploads to an accepted order, `deliver {message, file_ids}` attaches them, and the buyer
 * downloads the exact bytes. Only the order's parties see anything; the seller alone uploads; a
 * delivery naming a file of another order changes nothing; the per-order cap (the per-rental
 * default) holds with neither a row nor a blob left behind.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
  orphanBlobSweepStartOptions,
  type SweepOrphanFileBlobsWorkflow,
} from '../../workflows/maintenance/contract';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;
interface FileBody {
  id: string;
  name: string;
  size: number;
  sha256: string;
  delivered_at: string | null;
  code?: string;
}
const KB = 1024;
const ORDER_QUOTA = 1000 * KB;

describe('service order delivery files (whole stack)', () => {
  let stack: Stack;
  let storageDir: string;

  beforeAll(async () => {
    storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-order-files-'));
    stack = await startStack({
      config: { FILE_STORAGE_DIR: storageDir, FILE_QUOTA_RENTAL_BYTES: String(ORDER_QUOTA) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);
  const blobs = () => fs.readdirSync(storageDir).filter((n) => n !== '.tmp');
  const fileRows = async (orderId: string) =>
    (
      await stack.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM service_order_files WHERE order_id = $1',
        [orderId],
      )
    ).rows[0].n;

  /** A bot's service, ordered by a funded person and accepted by the bot. */
  async function acceptedOrder() {
    const seller = await createFundedAccount(stack.db, 0, { kind: 'bot' });
    const buyer = await createFundedAccount(stack.db, 20, { kind: 'person' });
    const service = await as(seller)<Json>('POST', '/api/agents/me/services', {
      title: 'Logo design',
      description: 'A vector logo',
      price: 5,
      delivery_hours: 24,
    });
    expect(service.status).toBe(201);
    const placed = await as(buyer)<Json>(
      'POST',
      '/api/service-orders',
      { service_id: service.body.id, brief: 'blue and round' },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(placed.status).toBe(201);
    const orderId = placed.body.id as string;
    const accepted = await as(seller)<Json>('POST', `/api/service-orders/${orderId}/accept`, {});
    expect(accepted.status).toBe(200);
    return { seller, buyer, orderId };
  }

  async function upload(by: TestAccount, orderId: string, bytes: Uint8Array, name = 'logo.svg') {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/svg+xml' }), name);
    const res = await fetch(`${stack.url}/api/service-orders/${orderId}/files`, {
      method: 'POST',
      headers: { 'X-API-Key': by.apiKey },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as FileBody };
  }
  const deliver = (by: TestAccount, orderId: string, body: unknown) =>
    as(by)<Json>('POST', `/api/service-orders/${orderId}/deliver`, body);
  const download = (by: TestAccount, orderId: string, fileId: string) =>
    fetch(`${stack.url}/api/service-orders/${orderId}/files/${fileId}`, {
      headers: { 'X-API-Key': by.apiKey },
    });

  it('delivers an uploaded file: the buyer sees it only once delivered and downloads the same bytes', async () => {
    const { seller, buyer, orderId } = await acceptedOrder();
    const bytes = randomBytes(3000);
    const up = await upload(seller, orderId, bytes);
    expect(up.status).toBe(201);
    expect(up.body.delivered_at).toBeNull();
    const before = await as(buyer)<{ files: FileBody[] }>('GET', `/api/service-orders/${orderId}/files`);
    expect(before.body.files).toEqual([]);
    expect((await download(buyer, orderId, up.body.id)).status).toBe(404);

    const delivered = await deliver(seller, orderId, { message: 'here it is', file_ids: [up.body.id] });
    expect(delivered.status).toBe(200);
    expect(delivered.body.status).toBe('delivered');

    const after = await as(buyer)<{ files: FileBody[] }>('GET', `/api/service-orders/${orderId}/files`);
    expect(after.body.files).toEqual([
      expect.objectContaining({ id: up.body.id, name: 'logo.svg', size: 3000, sha256: up.body.sha256 }),
    ]);
    expect(after.body.files[0].delivered_at).not.toBeNull();
    const res = await download(buyer, orderId, up.body.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('when the API dies between attaching files and the recorded delivery, the buyer sees nothing yet and the retried delivery shows them', async () => {
    const { seller, buyer, orderId } = await acceptedOrder();
    const up = await upload(seller, orderId, randomBytes(500));
    expect(up.status).toBe(201);
    // What the API had done when it died: the file attached, the workflow not yet asked.
    await stack.db.query('UPDATE service_order_files SET delivered_at = now() WHERE id = $1', [up.body.id]);
    const hidden = await as(buyer)<{ files: FileBody[] }>('GET', `/api/service-orders/${orderId}/files`);
    expect(hidden.body.files).toEqual([]);
    expect((await download(buyer, orderId, up.body.id)).status).toBe(404);

    const retried = await deliver(seller, orderId, { message: 'here it is', file_ids: [up.body.id] });
    expect(retried.status).toBe(200);
    const shown = await as(buyer)<{ files: FileBody[] }>('GET', `/api/service-orders/${orderId}/files`);
    expect(shown.body.files.map((f) => f.id)).toEqual([up.body.id]);
    expect((await download(buyer, orderId, up.body.id)).status).toBe(200);
  });

  it('answers 404 to an account that is neither buyer nor seller (list, download, upload)', async () => {
    const { seller, orderId } = await acceptedOrder();
    const up = await upload(seller, orderId, randomBytes(100));
    expect(up.status).toBe(201);
    const stranger = await createTestAccount(stack.db, { kind: 'bot' });
    expect((await as(stranger)('GET', `/api/service-orders/${orderId}/files`)).status).toBe(404);
    expect((await download(stranger, orderId, up.body.id)).status).toBe(404);
    expect((await upload(stranger, orderId, randomBytes(10))).status).toBe(404);
    expect(await fileRows(orderId)).toBe(1);
  });

  it('refuses an upload by the buyer (403 service_order_not_seller), storing nothing', async () => {
    const { buyer, orderId } = await acceptedOrder();
    const before = blobs().length;
    const up = await upload(buyer, orderId, randomBytes(100));
    expect([up.status, up.body.code]).toEqual([403, 'service_order_not_seller']);
    expect(await fileRows(orderId)).toBe(0);
    expect(blobs().length).toBe(before);
  });

  it('refuses an upload once the order is delivered (409 service_order_files_closed)', async () => {
    const { seller, orderId } = await acceptedOrder();
    expect((await deliver(seller, orderId, { message: 'done' })).status).toBe(200);
    const up = await upload(seller, orderId, randomBytes(100));
    expect([up.status, up.body.code]).toEqual([409, 'service_order_files_closed']);
    expect(await fileRows(orderId)).toBe(0);
  });

  it('refuses a delivery naming a file of another order (400 service_order_file_unknown): the order stays accepted', async () => {
    const mine = await acceptedOrder();
    const other = await acceptedOrder();
    const foreign = await upload(other.seller, other.orderId, randomBytes(100));
    const own = await upload(mine.seller, mine.orderId, randomBytes(100));
    expect([foreign.status, own.status]).toEqual([201, 201]);
    const res = await deliver(mine.seller, mine.orderId, {
      message: 'done',
      file_ids: [own.body.id, foreign.body.id],
    });
    expect([res.status, res.body.code]).toEqual([400, 'service_order_file_unknown']);
    const order = await as(mine.buyer)<Json>('GET', `/api/service-orders/${mine.orderId}`);
    expect(order.body).toMatchObject({ status: 'accepted', delivered_at: null, delivery_message: null });
    const files = await as(mine.seller)<{ files: FileBody[] }>(
      'GET',
      `/api/service-orders/${mine.orderId}/files`,
    );
    expect(files.body.files.map((f) => f.delivered_at)).toEqual([null]);
  });

  it('answers 400 with a code to bad input and changes nothing', async () => {
    const { seller, orderId } = await acceptedOrder();
    const bad: [string, unknown][] = [
      ['non-uuid id', { message: 'done', file_ids: ['not-a-uuid'] }],
      ['NUL in an id', { message: 'done', file_ids: [`${randomUUID().slice(0, 35)}\u0000`] }],
      ['NUL in the message', { message: 'do\u0000ne' }],
      ['ids not an array', { message: 'done', file_ids: randomUUID() }],
      ['too many ids', { message: 'done', file_ids: Array.from({ length: 21 }, () => randomUUID()) }],
      ['overlong message', { message: 'x'.repeat(5001) }],
    ];
    for (const [what, body] of bad) {
      const res = await deliver(seller, orderId, body);
      expect([what, res.status, typeof res.body.code]).toEqual([what, 400, 'string']);
    }
    const order = await as(seller)<Json>('GET', `/api/service-orders/${orderId}`);
    expect(order.body.status).toBe('accepted');
    expect((await as(seller)<Json>('GET', '/api/service-orders/not-a-uuid/files')).status).toBe(400);
    expect((await download(seller, orderId, 'not-a-uuid')).status).toBe(400);
  });

  it('neutralises an overlong name with a bidi override to at most 255 safe characters', async () => {
    const { seller, orderId } = await acceptedOrder();
    const up = await upload(seller, orderId, randomBytes(10), `${'a'.repeat(300)}\u202Efdp.exe`);
    expect(up.status).toBe(201);
    expect(up.body.name.length).toBeLessThanOrEqual(255);
    expect(up.body.name).not.toContain('\u202E');
    expect(up.body.name.startsWith('aaaa')).toBe(true);
  });

  it('refuses an upload past the per-order cap (413 storage_quota_exceeded) with neither a row nor a blob', async () => {
    const { seller, orderId } = await acceptedOrder();
    expect((await upload(seller, orderId, randomBytes(600 * KB))).status).toBe(201);
    const before = blobs().length;
    const over = await upload(seller, orderId, randomBytes(600 * KB));
    expect([over.status, over.body.code]).toEqual([413, 'storage_quota_exceeded']);
    expect(await fileRows(orderId)).toBe(1);
    expect(blobs().length).toBe(before);
  });

  it('refuses the 51st file of an order (409 service_order_too_many_files) with neither a row nor a blob', async () => {
    const { seller, orderId } = await acceptedOrder();
    for (let i = 0; i < 50; i += 1) {
      const up = await upload(seller, orderId, randomBytes(16), `part-${i}.svg`);
      expect([i, up.status]).toEqual([i, 201]);
    }
    const before = blobs().length;

    const over = await upload(seller, orderId, randomBytes(16), 'part-50.svg');

    expect([over.status, over.body.code]).toEqual([409, 'service_order_too_many_files']);
    expect(await fileRows(orderId)).toBe(50);
    expect(blobs().length).toBe(before);
  });

  it('lets at most one of three uploads racing for the 50th place in, the others 409 with nothing stored', async () => {
    const { seller, orderId } = await acceptedOrder();
    for (let i = 0; i < 49; i += 1) expect((await upload(seller, orderId, randomBytes(16))).status).toBe(201);
    const before = blobs().length;

    const raced = await Promise.all([0, 1, 2].map(() => upload(seller, orderId, randomBytes(16))));

    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of raced.filter((x) => x.status === 409))
      expect(r.body.code).toBe('service_order_too_many_files');
    expect(await fileRows(orderId)).toBe(50);
    expect(blobs().length).toBe(before + 1);
  });

  it('keeps an order file’s blob through the orphan sweeper however old it is', async () => {
    const { seller, orderId } = await acceptedOrder();
    const up = await upload(seller, orderId, randomBytes(500));
    expect(up.status).toBe(201);
    const { storage_key: key } = (
      await stack.db.query<{ storage_key: string }>(
        'SELECT storage_key FROM service_order_files WHERE id = $1',
        [up.body.id],
      )
    ).rows[0];
    const aged = new Date(Date.now() - 3 * 3600_000);
    fs.utimesSync(path.join(storageDir, key), aged, aged);

    await stack.client.workflow.execute<SweepOrphanFileBlobsWorkflow>(
      ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE,
      orphanBlobSweepStartOptions(`orphan-sweep-test-${randomUUID()}`, stack.config.TEMPORAL_TASK_QUEUE),
    );

    expect(blobs()).toContain(key);
    expect((await download(seller, orderId, up.body.id)).status).toBe(200);
  });
});
