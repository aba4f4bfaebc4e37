/**
 * Deliverable files over MCP: listing only. Uploading binary over MCP (base64 in JSON-RPC) is out
 * of scope: files go through `POST /api/rentals/{id}/files` (multipart, streamed).
 */
import { z } from 'zod';
import { listRentalFilesQuery } from '../routes/rental-files';
import { idParams } from '../schemas/common';
import { listRentalFiles } from '../use-cases/rental-files';
import { authenticatedTool, type McpTool } from './tool';

export const listRentalFilesTool = authenticatedTool({
  name: 'list_rental_files',
  description:
    'Files delivered in a rental (renter, bot and its owner only), oldest first; download each with GET /api/files/{id}.',
  input: z.strictObject({ rental_id: idParams.shape.id, ...listRentalFilesQuery.shape }),
  async run(deps, principal, input) {
    const page = await listRentalFiles(deps, principal, input.rental_id, {
      limit: input.limit,
      cursor: input.cursor,
    });
    return { data: page, summary: `${page.files.length} files in rental ${input.rental_id}.` };
  },
});

export const rentalFileTools: McpTool[] = [listRentalFilesTool];
