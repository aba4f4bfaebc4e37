/**
 * Deliverable files of a rental (issue 17): `POST /api/rentals/{id}/files` (multipart, field
 * `file`, by the bot or its owner during the rental and RENTAL_FILE_WINDOW_DAYS after it),
 * `GET /api/rentals/{id}/files`, `GET /api/files/{id}` (the exact bytes). Participants only.
 */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Express, Request } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { principalOf, requireAuth } from '../auth';
import { createFileStorage } from '../../services/file-storage';
import { authenticated, errorResponses, jsonResponse, registry } from '../openapi';
import { idParams, pageLimit } from '../schemas/common';
import { downloadRentalFile, listRentalFiles, uploadRentalFile } from '../use-cases/rental-files';
import { parseOrThrow } from '../validation';

export const rentalFileView = registry.register(
  'RentalFile',
  z.object({
    id: z.uuid(),
    rental_id: z.uuid(),
    uploader_id: z.uuid(),
    name: z.string().openapi({ example: 'report.pdf' }),
    size: z.number().int().openapi({ description: 'bytes' }),
    content_type: z.string().openapi({ example: 'application/pdf' }),
    sha256: z.string().openapi({ description: 'hex SHA-256 of the bytes', example: 'e3b0c442…' }),
    created_at: z.string(),
  }),
);

export const listRentalFilesQuery = z.object({
  limit: pageLimit(),
  cursor: z.string().max(512, 'must be a cursor returned by a previous page').optional(),
});

const uploadBody = z.object({
  file: z.string().openapi({
    type: 'string',
    format: 'binary',
    description: 'the file (max RENTAL_FILE_MAX_BYTES, 25 MB by default)',
  }),
});

function document() {
  const routes: RouteConfig[] = [
    {
      method: 'post',
      path: '/api/rentals/{id}/files',
      summary:
        'Deliver a file to the renter (the rented bot or its owner; during the rental and 7 days after its end; optional Idempotency-Key)',
      request: {
        params: idParams,
        body: { content: { 'multipart/form-data': { schema: uploadBody } } },
      },
      responses: {
        201: jsonResponse('the stored file', rentalFileView),
        ...errorResponses(400, 401, 403, 404, 413, 422),
      },
    },
    {
      method: 'get',
      path: '/api/rentals/{id}/files',
      summary: "A rental's files, oldest first (renter, bot and its owner only)",
      request: { params: idParams, query: listRentalFilesQuery },
      responses: {
        200: jsonResponse(
          'files',
          z.object({
            files: z.array(rentalFileView),
            next_cursor: z.string().nullable(),
            has_more: z.boolean(),
          }),
        ),
        ...errorResponses(400, 401, 404),
      },
    },
    {
      method: 'get',
      path: '/api/files/{id}',
      summary: "A file's exact bytes, as an attachment (renter, bot and its owner only)",
      request: { params: idParams },
      responses: {
        200: {
          description: 'the bytes, with Content-Type, Content-Length and Content-Disposition',
          content: {
            'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) },
          },
        },
        ...errorResponses(400, 401, 404),
      },
    },
  ];
  // operationId and tag: api/openapi-operations.ts; the rental_file webhook: api/schemas/events.ts.
  for (const route of routes) registry.registerPath({ ...route, security: authenticated });
}

// Registered once per process, at import (apps are created many times in tests).
document();

const idOf = (req: Request) => parseOrThrow(idParams, req.params, 'id').id;

export function mountRentalFilesRoutes(app: Express, deps: ApiDeps): void {
  const auth = requireAuth(deps);
  const storage = createFileStorage(deps.config);

  app.post('/api/rentals/:id/files', auth, async (req, res) => {
    const id = idOf(req);
    res.status(201).json(await uploadRentalFile(deps, storage, principalOf(res), id, req));
  });

  app.get('/api/rentals/:id/files', auth, async (req, res) => {
    const id = idOf(req);
    const query = parseOrThrow(listRentalFilesQuery, req.query, 'query');
    res.json(await listRentalFiles(deps, principalOf(res), id, query));
  });

  app.get('/api/files/:id', auth, async (req, res) => {
    await downloadRentalFile(deps, storage, principalOf(res), idOf(req), res);
  });
}
