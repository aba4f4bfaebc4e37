/**
 * Files of a service order's delivery (issue 23.1): the seller uploads them to the order while it
 * is accepted, and `deliver {message, file_ids}` attaches them; the buyer then lists and downloads
 * the attached ones, the seller all of them. Storage, streaming, size limit, name neutralising and
 * the owner's quota are those of rental files (api/use-cases/rental-files.ts): one store, one
 * quota per owner, and a per-order cap equal to the per-rental one (FILE_QUOTA_RENTAL_BYTES).
 *
 * Order of an upload as for rental files: permission and a first quota look before a byte is read,
 * the bytes to storage (cut at the room left), then the row under the owner's quota lock (refused:
 * the blob goes again). A crash between storing and the row leaves an orphan blob for the sweeper.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  insertServiceOrderFileWithinQuota,
  orderStoredBytes,
  quotaOwnerOf,
  serviceOrderFileById,
  serviceOrderFiles,
  type ServiceOrderFileRow,
} from '../../db/service-order-files';
import { appError, refuseIf } from '../../domain/errors';
import { mayUploadOrderFile, SERVICE_LIMITS, type ServiceOrderRow } from '../../domain/service-orders';
import type { FileStorage } from '../../services/file-storage';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import type { ApiDeps } from '../deps';
import { sendStoredFile, streamUpload } from './rental-files';
import { requireOrder } from './service-orders';

export const orderFileJson = (f: ServiceOrderFileRow) => ({
  id: f.id,
  order_id: f.order_id,
  uploader_id: f.uploader_id,
  name: f.name,
  size: Number(f.size),
  content_type: f.content_type,
  sha256: f.sha256,
  delivered_at: f.delivered_at ? f.delivered_at.toISOString() : null,
  created_at: f.created_at.toISOString(),
});
export type ServiceOrderFileJson = ReturnType<typeof orderFileJson>;

function quotaError(deps: ApiDeps, which: 'account' | 'order') {
  return appError(
    'storage_quota_exceeded',
    which === 'order'
      ? `an order's files may total ${deps.config.FILE_QUOTA_RENTAL_BYTES} bytes (FILE_QUOTA_RENTAL_BYTES)`
      : `the files of one owner's rentals and orders may total ${deps.config.FILE_QUOTA_ACCOUNT_BYTES} bytes (FILE_QUOTA_ACCOUNT_BYTES)`,
  );
}

const tooManyFiles = () => appError('service_order_too_many_files', String(SERVICE_LIMITS.maxFilesPerOrder));

export async function uploadServiceOrderFile(
  deps: ApiDeps,
  storage: FileStorage,
  principal: Principal,
  orderId: string,
  req: Request,
): Promise<ServiceOrderFileJson> {
  const order = await requireOrder(deps, principal, orderId);
  refuseIf(mayUploadOrderFile(order, principal.accountId));
  const id = randomUUID();
  const storageKey = randomUUID();
  mayCreate({ file_id: id });
  const ownerId = await quotaOwnerOf(deps.db, order.seller_id);
  const quota = {
    accountBytes: deps.config.FILE_QUOTA_ACCOUNT_BYTES,
    orderBytes: deps.config.FILE_QUOTA_RENTAL_BYTES,
    maxFiles: SERVICE_LIMITS.maxFilesPerOrder,
  };
  // A first look, unlocked: refused before a byte is read, and the stream stops at the room left.
  const used = await orderStoredBytes(deps.db, ownerId, orderId);
  if (used.files >= quota.maxFiles) throw tooManyFiles();
  const orderRoom = quota.orderBytes - used.order;
  const room = Math.min(orderRoom, quota.accountBytes - used.account);
  if (room <= 0) throw quotaError(deps, orderRoom <= 0 ? 'order' : 'account');
  const maxBytes = Math.min(deps.config.RENTAL_FILE_MAX_BYTES, room);
  const overLimit = () =>
    maxBytes < deps.config.RENTAL_FILE_MAX_BYTES
      ? quotaError(deps, orderRoom === room ? 'order' : 'account')
      : appError('file_too_large');
  const upload = await streamUpload(req, storage, storageKey, maxBytes, overLimit);
  const discard = () => storage.delete(storageKey).catch(() => undefined);
  const outcome = await insertServiceOrderFileWithinQuota(
    deps.db,
    {
      id,
      orderId,
      uploaderId: principal.accountId,
      ownerId,
      name: upload.name,
      contentType: upload.contentType,
      size: upload.size,
      sha256: upload.sha256,
      storageKey,
    },
    quota,
  ).catch(async (err: unknown) => {
    await discard();
    throw err;
  });
  if ('over' in outcome) {
    await discard();
    throw quotaError(deps, outcome.over);
  }
  if ('tooMany' in outcome) {
    await discard();
    throw tooManyFiles();
  }
  return orderFileJson(outcome.stored);
}

/** The buyer sees only files a delivery attached; the seller sees every file it uploaded. */
const buyerView = (order: ServiceOrderRow, principal: Principal) => principal.accountId !== order.seller_id;
/**
 * The buyer sees attached files only once the order has a recorded delivery: files are attached
 * before the workflow records it (so an API that dies in between loses no attachment, and the
 * seller's retry completes it), and must not show before it.
 */
const hiddenFromBuyer = (order: ServiceOrderRow, principal: Principal) =>
  buyerView(order, principal) && order.delivered_at === null;

export async function listServiceOrderFiles(
  deps: ApiDeps,
  principal: Principal,
  orderId: string,
): Promise<{ files: ServiceOrderFileJson[] }> {
  const order = await requireOrder(deps, principal, orderId);
  if (hiddenFromBuyer(order, principal)) return { files: [] };
  const rows = await serviceOrderFiles(
    deps.db,
    order.id,
    buyerView(order, principal),
    SERVICE_LIMITS.maxFilesPerOrder,
  );
  return { files: rows.map(orderFileJson) };
}

/** The file's exact bytes as an attachment; 404 to anyone but the order's parties. */
export async function downloadServiceOrderFile(
  deps: ApiDeps,
  storage: FileStorage,
  principal: Principal,
  orderId: string,
  fileId: string,
  res: Response,
): Promise<void> {
  const order = await requireOrder(deps, principal, orderId);
  const file = await serviceOrderFileById(deps.db, order.id, fileId);
  if (!file || (buyerView(order, principal) && (!file.delivered_at || hiddenFromBuyer(order, principal))))
    throw appError('file_not_found');
  await sendStoredFile(storage, file, res);
}
