/**
 * Deliverable files of a rental (issue 17) on the real stack (API, worker, Postgres, Temporal):
 * upload by the bot or its owner, exact download, participants only, the size limit, the upload
 * window after the end, the renter's notification, streaming (bytes reach storage before the
 * upload ends), and the same through a real S3-compatible server (s3rver, over HTTP).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { createFileStorage, type StoredBlob } from '../../services/file-storage';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { type Stack, startStack } from '../harness/stack';

interface FileBody {
  id: string;
  rental_id: string;
  name: string;
  size: number;
  content_type: string;
  sha256: string;
  created_at: string;
}
interface ErrorBody {
  error: string;
  code: string;
}

const MB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function filesIn(dir: string): { name: string; size: number }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return { name: path.relative(dir, full), size: fs.statSync(full).size };
    });
}

describe.each([
  ['local disk', 'local'],
  ['an S3-compatible server (s3rver over HTTP)', 's3'],
] as const)('rental files on %s', (_label, backend) => {
  let stack: Stack;
  let storageDir: string;
  let s3: S3rver | undefined;
  const s3Requests: string[] = [];
  const bucket = 'agentrent-files';

  beforeAll(async () => {
    storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrent-files-'));
    let config: Record<string, string> = { FILE_STORAGE_DIR: storageDir };
    if (backend === 's3') {
      const port = await freePort();
      s3 = new S3rver({
        address: '127.0.0.1',
        port,
        silent: true,
        directory: storageDir,
        configureBuckets: [{ name: bucket }],
      });
      await s3.run();
      // What the store was asked (method and path), to see that a refused upload is aborted.
      s3.httpServer.prependListener('request', (req: IncomingMessage) =>
        s3Requests.push(`${req.method} ${req.url}`),
      );
      // s3rver's fixed credentials, found by the SDK's default provider chain (environment).
      process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
      process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
      config = {
        FILE_STORAGE: 's3',
        S3_BUCKET: bucket,
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_REGION: 'us-east-1',
        S3_FORCE_PATH_STYLE: 'true',
      };
    }
    stack = await startStack({ config });
  });
  afterAll(async () => {
    await stack?.stop();
    await s3?.close();
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);

  async function rental() {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.1 });
    const renter = await createFundedAccount(stack.db, 50);
    const res = await as(renter)<{ id: string }>('POST', '/api/rentals', { agent_id: bot.id, minutes: 30 });
    expect(res.status).toBe(201);
    return { owner, bot, renter, rentalId: res.body.id };
  }

  async function upload(
    by: TestAccount,
    rentalId: string,
    bytes: Uint8Array,
    opts: { name?: string; type?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: FileBody & ErrorBody }> {
    const form = new FormData();
    form.append(
      'file',
      new Blob([bytes], { type: opts.type ?? 'application/octet-stream' }),
      opts.name ?? 'out.bin',
    );
    const res = await fetch(`${stack.url}/api/rentals/${rentalId}/files`, {
      method: 'POST',
      headers: { 'X-API-Key': by.apiKey, ...opts.headers },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as FileBody & ErrorBody };
  }

  async function download(by: TestAccount, fileId: string) {
    const res = await fetch(`${stack.url}/api/files/${fileId}`, { headers: { 'X-API-Key': by.apiKey } });
    return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  async function fileRows(rentalId: string): Promise<number> {
    const r = await stack.db.query('SELECT 1 FROM rental_files WHERE rental_id = $1', [rentalId]);
    return r.rowCount ?? 0;
  }

  /** Ends the rental, then dates its end `days` ago (the window is measured from ended_at). */
  async function endedDaysAgo(renter: TestAccount, rentalId: string, days: number) {
    const end = await as(renter)('POST', `/api/rentals/${rentalId}/end`, {});
    expect(end.status).toBe(200);
    await stack.db.query(`UPDATE rentals SET ended_at = now() - make_interval(days => $2) WHERE id = $1`, [
      rentalId,
      days,
    ]);
  }

  it('stores a 3 MB upload by the bot and gives the renter back the exact bytes', async () => {
    const { bot, renter, rentalId } = await rental();
    const bytes = randomBytes(3 * MB);
    const up = await upload(bot, rentalId, bytes, { name: 'report.pdf', type: 'application/pdf' });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      name: 'report.pdf',
      size: bytes.length,
      content_type: 'application/pdf',
      sha256: sha256(bytes),
    });
    const down = await download(renter, up.body.id);
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('application/pdf');
    expect(down.headers.get('content-disposition')).toContain("filename*=UTF-8''report.pdf");
    expect(sha256(down.bytes)).toBe(sha256(bytes));
    expect(down.bytes.length).toBe(bytes.length);
  });

  it("lists a rental's files to the renter, the bot and the owner", async () => {
    const { owner, bot, renter, rentalId } = await rental();
    const a = await upload(bot, rentalId, Buffer.from('first'), { name: 'a.txt', type: 'text/plain' });
    const b = await upload(owner, rentalId, Buffer.from('second'), { name: 'b.txt', type: 'text/plain' });
    expect([a.status, b.status]).toEqual([201, 201]);
    for (const who of [renter, bot, owner]) {
      const list = await as(who)<{ files: FileBody[]; has_more: boolean }>(
        'GET',
        `/api/rentals/${rentalId}/files`,
      );
      expect(list.status).toBe(200);
      expect(list.body.files.map((f) => f.id)).toEqual([a.body.id, b.body.id]);
      expect(list.body.has_more).toBe(false);
    }
  });

  it('pages the list with limit and an opaque cursor', async () => {
    const { bot, renter, rentalId } = await rental();
    const ids: string[] = [];
    for (const name of ['1.txt', '2.txt', '3.txt'])
      ids.push((await upload(bot, rentalId, Buffer.from(name), { name })).body.id);
    type Page = { files: FileBody[]; next_cursor: string | null; has_more: boolean };
    const first = await as(renter)<Page>('GET', `/api/rentals/${rentalId}/files?limit=2`);
    expect(first.body.files.map((f) => f.id)).toEqual(ids.slice(0, 2));
    expect(first.body.has_more).toBe(true);
    const second = await as(renter)<Page>(
      'GET',
      `/api/rentals/${rentalId}/files?limit=2&cursor=${encodeURIComponent(first.body.next_cursor!)}`,
    );
    expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.body.files.map((f) => f.id)).toEqual(ids.slice(2));
    const bad = await as(renter)<ErrorBody>('GET', `/api/rentals/${rentalId}/files?cursor=nonsense`);
    expect(bad.status).toBe(400);
  });

  it('answers 404 to a stranger for the list and the download', async () => {
    const { bot, rentalId } = await rental();
    const up = await upload(bot, rentalId, Buffer.from('secret deliverable'));
    expect(up.status).toBe(201);
    const stranger = await createTestAccount(stack.db);
    const list = await as(stranger)<ErrorBody>('GET', `/api/rentals/${rentalId}/files`);
    expect(list.status).toBe(404);
    expect(list.body.code).toBe('rental_not_found');
    const down = await download(stranger, up.body.id);
    expect(down.status).toBe(404);
    expect(JSON.parse(Buffer.from(down.bytes).toString('utf8'))).toMatchObject({ code: 'file_not_found' });
  });

  it('refuses an upload by the renter (403) and by a stranger (404)', async () => {
    const { renter, rentalId } = await rental();
    const stranger = await createTestAccount(stack.db);
    const byRenter = await upload(renter, rentalId, Buffer.from('x'));
    expect(byRenter.status).toBe(403);
    expect(byRenter.body.code).toBe('rental_file_not_allowed');
    const byStranger = await upload(stranger, rentalId, Buffer.from('x'));
    expect(byStranger.status).toBe(404);
    expect(await fileRows(rentalId)).toBe(0);
  });

  /** What the store holds: the local directory's files, or the bucket's objects. */
  async function stored(): Promise<string[]> {
    if (backend === 'local') return filesIn(storageDir).map((f) => `${f.name} ${f.size}`);
    const client = new S3Client({
      region: stack.config.S3_REGION,
      endpoint: stack.config.S3_ENDPOINT,
      forcePathStyle: true,
    });
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    client.destroy();
    return (out.Contents ?? []).map((o) => `${o.Key} ${o.Size}`);
  }

  it('refuses 26 MB with 413 file_too_large and stores nothing', async () => {
    const { bot, rentalId } = await rental();
    const before = await stored();
    const requestsBefore = s3Requests.length;
    const up = await upload(bot, rentalId, Buffer.alloc(26 * MB, 7));
    expect(up.status).toBe(413);
    expect(up.body).toEqual({ error: 'file too large', code: 'file_too_large' });
    expect(await fileRows(rentalId)).toBe(0);
    // No blob and no partial data: the store holds what it held before.
    expect(await stored()).toEqual(before);
    if (backend === 's3') {
      // The multipart upload begun for the first 25 MB was aborted (s3rver itself does not
      // implement the abort and keeps the parts in its own directory; S3 and MinIO drop them).
      expect(s3Requests.slice(requestsBefore).some((r) => /^DELETE .*\?uploadId=/.test(r))).toBe(true);
    }
  });

  it('lists every stored blob with its size and time, for the orphan sweeper, and no key of another shape', async () => {
    const storage = createFileStorage(stack.config);
    const key = randomUUID();
    const before = Date.now();
    await storage.put(key, Readable.from([Buffer.alloc(777)]), 'application/octet-stream');
    if (backend === 'local') fs.writeFileSync(path.join(storageDir, 'not-a-blob.txt'), 'x');
    const listed: StoredBlob[] = [];
    for await (const blob of storage.list()) listed.push(blob);
    const mine = listed.find((b) => b.key === key);
    expect(mine?.size).toBe(777);
    // Stores keep whole seconds at best: a minute of slack either way.
    expect(Math.abs(mine!.lastModified.getTime() - before)).toBeLessThan(60_000);
    expect(listed.every((b) => /^[0-9a-f-]{36}$/.test(b.key))).toBe(true);
    await storage.delete(key);
  });

  it('lets the bot upload 6 days after the end but not 8', async () => {
    const six = await rental();
    await endedDaysAgo(six.renter, six.rentalId, 6);
    expect((await upload(six.bot, six.rentalId, Buffer.from('late report'))).status).toBe(201);

    const eight = await rental();
    await endedDaysAgo(eight.renter, eight.rentalId, 8);
    const late = await upload(eight.bot, eight.rentalId, Buffer.from('too late'));
    expect(late.status).toBe(403);
    expect(late.body.code).toBe('rental_file_window_closed');
    expect(await fileRows(eight.rentalId)).toBe(0);
  });

  it('tells the renter with a rental_file notification', async () => {
    const { bot, renter, rentalId } = await rental();
    const bytes = Buffer.from('the deliverable');
    const up = await upload(bot, rentalId, bytes, { name: 'notes.txt', type: 'text/plain' });
    expect(up.status).toBe(201);
    const pending = await as(renter)<{
      notifications: { type: string; user_id: string; data: Record<string, unknown> }[];
    }>('GET', '/api/agents/me/pending');
    const told = pending.body.notifications.filter((n) => n.type === 'rental_file');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      user_id: renter.id,
      data: {
        rental_id: rentalId,
        file_id: up.body.id,
        name: 'notes.txt',
        size: bytes.length,
        sha256: sha256(bytes),
      },
    });
  });

  it('answers a retried upload with the same Idempotency-Key with the first file, stored once', async () => {
    const { bot, rentalId } = await rental();
    const bytes = randomBytes(1000);
    const key = `up-${randomUUID()}`;
    const first = await upload(bot, rentalId, bytes, { headers: { 'Idempotency-Key': key } });
    const again = await upload(bot, rentalId, bytes, { headers: { 'Idempotency-Key': key } });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect(await fileRows(rentalId)).toBe(1);
    const other = await upload(bot, rentalId, randomBytes(1000), { headers: { 'Idempotency-Key': key } });
    expect(other.status).toBe(422);
    expect(await fileRows(rentalId)).toBe(1);
  });

  it('keeps only the last path segment of the name and sends it back UTF-8 encoded', async () => {
    const { bot, renter, rentalId } = await rental();
    const up = await upload(bot, rentalId, Buffer.from('x'), { name: '../../etc/C:\\tmp\\отчёт v2.pdf' });
    expect(up.status).toBe(201);
    expect(up.body.name).toBe('отчёт v2.pdf');
    const down = await download(renter, up.body.id);
    expect(down.headers.get('content-disposition')).toBe(
      `attachment; filename="_____ v2.pdf"; filename*=UTF-8''${encodeURIComponent('отчёт v2.pdf')}`,
    );
  });

  it('lists the files over MCP (list_rental_files) to participants only', async () => {
    const { bot, renter, rentalId } = await rental();
    const up = await upload(bot, rentalId, Buffer.from('over mcp'));
    expect(up.status).toBe(201);
    const stranger = await createTestAccount(stack.db);
    const call = async (who: TestAccount) => {
      const res = await fetch(`${stack.url}/api/v1/mcp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': who.apiKey },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'list_rental_files', arguments: { rental_id: rentalId } },
        }),
      });
      return (
        (await res.json()) as { result: { isError?: boolean; structuredContent: Record<string, unknown> } }
      ).result;
    };
    const mine = await call(renter);
    expect(mine.isError).toBeFalsy();
    expect((mine.structuredContent.files as FileBody[]).map((f) => f.id)).toEqual([up.body.id]);
    const theirs = await call(stranger);
    expect(theirs.isError).toBe(true);
    expect(theirs.structuredContent).toMatchObject({ code: 'rental_not_found', status: 404 });
  });

  if (backend === 'local') {
    it('streams: bytes reach storage while the upload is still being sent', async () => {
      const { bot, renter, rentalId } = await rental();
      const boundary = `agentrent-${randomUUID()}`;
      const hash = createHash('sha256');
      const chunk = () => {
        const c = randomBytes(MB);
        hash.update(c);
        return c;
      };
      const tmpDir = path.join(storageDir, '.tmp');
      const partialBytes = () =>
        filesIn(tmpDir)
          .filter((f) => f.name.endsWith('.part'))
          .reduce((sum, f) => sum + f.size, 0);
      let seenWhileSending = 0;
      async function* body() {
        yield Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        );
        for (let i = 0; i < 10; i++) yield chunk();
        // Half the file is sent and the request is still open: a handler that buffered the
        // body would not have written anything yet.
        const deadline = Date.now() + 10_000;
        while ((seenWhileSending = partialBytes()) < 5 * MB && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        for (let i = 0; i < 10; i++) yield chunk();
        yield Buffer.from(`\r\n--${boundary}--\r\n`);
      }
      const res = await fetch(`${stack.url}/api/rentals/${rentalId}/files`, {
        method: 'POST',
        headers: { 'X-API-Key': bot.apiKey, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body: ReadableStream.from(body()),
        duplex: 'half',
      } as RequestInit);
      const up = (await res.json()) as FileBody;
      expect(res.status).toBe(201);
      expect(seenWhileSending).toBeGreaterThanOrEqual(5 * MB);
      expect(up.size).toBe(20 * MB);
      const expected = hash.digest('hex');
      expect(up.sha256).toBe(expected);
      expect(sha256((await download(renter, up.id)).bytes)).toBe(expected);
    });
  }
});
