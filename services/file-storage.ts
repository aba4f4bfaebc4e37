/**
 * Where the bytes of deliverable files live, behind one small interface: local disk (default,
 * FILE_STORAGE_DIR) or any S3-compatible store (FILE_STORAGE=s3) through the AWS SDK, which signs
 * and streams multipart uploads itself. Both take a stream and never hold a whole file in memory
 * (the S3 upload buffers at most its part size × queue size). A failed `put` leaves nothing behind:
 * the local store writes a temporary name and renames it into place only when complete; the S3
 * upload aborts its multipart upload.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Config, ConfigError } from '../domain/config';

export interface FileStorage {
  /** Streams `body` into a new blob under `key`; rejects, storing nothing, if `body` fails. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  /** The blob's bytes as a stream. */
  get(key: string): Promise<Readable>;
  /** Removes a blob; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored blob (keys of our shape only), for the orphan sweeper; in no particular order. */
  list(): AsyncIterable<StoredBlob>;
}

export interface StoredBlob {
  key: string;
  size: number;
  lastModified: Date;
}

/** Keys are ids we generate; anything else (a path) is a bug, never a way out of the directory. */
const KEY = /^[0-9a-f-]{36}$/;
const checkedKey = (key: string) => {
  if (!KEY.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
  return key;
};

export function localFileStorage(dir: string): FileStorage {
  const root = path.resolve(dir);
  const tmp = path.join(root, '.tmp');
  const finalPath = (key: string) => path.join(root, checkedKey(key));
  return {
    async put(key, body) {
      await fs.promises.mkdir(tmp, { recursive: true });
      const partial = path.join(tmp, `${checkedKey(key)}.${randomUUID()}.part`);
      try {
        await pipeline(body, fs.createWriteStream(partial, { flags: 'wx' }));
        await fs.promises.rename(partial, finalPath(key));
      } catch (err) {
        await fs.promises.rm(partial, { force: true });
        throw err;
      }
    },
    async get(key) {
      const stream = fs.createReadStream(finalPath(key));
      // Surface ENOENT here rather than mid-response.
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', reject);
      });
      return stream;
    },
    async delete(key) {
      await fs.promises.rm(finalPath(key), { force: true });
    },
    async *list() {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(root, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing stored yet
        throw err;
      }
      for (const e of entries) {
        if (!e.isFile() || !KEY.test(e.name)) continue;
        // A blob deleted since the listing is simply skipped.
        const stat = await fs.promises.stat(path.join(root, e.name)).catch(() => undefined);
        if (stat) yield { key: e.name, size: stat.size, lastModified: stat.mtime };
      }
    },
  };
}

export function s3FileStorage(config: Config): FileStorage {
  const bucket = config.S3_BUCKET;
  if (!bucket) throw new ConfigError('Invalid configuration: S3_BUCKET: required when FILE_STORAGE=s3');
  // Credentials come from the SDK's default provider chain (env, shared files, instance roles).
  const client = new S3Client({
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    // Checksums only where S3 requires them: many S3-compatible stores refuse the SDK's default
    // CRC32 headers and trailers on every request.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    async put(key, body, contentType) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: checkedKey(key), Body: body, ContentType: contentType },
        // Parts are buffered one at a time per slot: 5 MB × 2 bounds the memory of one upload.
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      });
      await upload.done();
    },
    async get(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: checkedKey(key) }));
      if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream');
      return out.Body;
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkedKey(key) }));
    },
    async *list() {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: 1000 }),
        );
        for (const o of page.Contents ?? []) {
          // Only our keys: whatever else shares the bucket is never ours to sweep.
          if (o.Key && KEY.test(o.Key) && o.LastModified)
            yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };
}

export function createFileStorage(config: Config): FileStorage {
  return config.FILE_STORAGE === 's3' ? s3FileStorage(config) : localFileStorage(config.FILE_STORAGE_DIR);
}
