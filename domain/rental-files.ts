/**
 * Deliverable files of a rental (issue 17): who may upload and see them, until when, and how an
 * uploaded name and type are made safe to store and to send back in headers. Pure.
 */
import type { FixedTextCode } from './error-texts';
import { type RentalParties, rentalRoleOf } from './rental-permissions';
import { capText, neutraliseText } from './text';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The renter, the bot and its owner see a rental's files; anyone else is told there are none. */
export function mayViewRentalFiles(parties: RentalParties, accountId: string): FixedTextCode | null {
  return rentalRoleOf(parties, accountId) ? null : 'rental_not_found';
}

/**
 * The bot or its owner uploads while the rental runs and for `windowDays` after it ended
 * (AgentsAccess: "upload follow-up artifacts to the marketplace as a file").
 */
export function mayUploadRentalFile(
  parties: RentalParties,
  accountId: string,
  rental: { endedAtMs: number | null },
  nowMs: number,
  windowDays: number,
): FixedTextCode | null {
  const role = rentalRoleOf(parties, accountId);
  if (!role) return 'rental_not_found';
  if (role === 'renter') return 'rental_file_not_allowed';
  if (rental.endedAtMs !== null && nowMs > rental.endedAtMs + windowDays * DAY_MS) {
    return 'rental_file_window_closed';
  }
  return null;
}

export const MAX_FILE_NAME_CHARS = 255;

/**
 * Characters a name must not carry, each replaced by `_`: controls (C0, DEL, C1), the line and
 * paragraph separators, and every format character (Cf): the bidi embeddings, overrides, isolates
 * and marks (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), zero-width characters, soft hyphen
 * and BOM. A right-to-left override makes `invoice\u202Efdp.exe` display as `invoiceexe.pdf`.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * The name to store for an uploaded file: its last path segment (no `/` or `\`), without control
 * or format characters (each becomes `_`, so a disguise stays visible), NUL or lone surrogates,
 * at most 255 characters; never empty, `.` or `..`.
 * Neutralised rather than refused: the name is the client's label, the bytes are what matter.
 */
export function safeFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = neutraliseText(base).replace(UNSAFE, '_').trim();
  const capped = capText(cleaned, MAX_FILE_NAME_CHARS);
  return capped === '' || capped === '.' || capped === '..' ? 'file' : capped;
}

/** A `type/subtype` media type from the upload, or application/octet-stream. */
export function safeContentType(raw: string | undefined): string {
  const t = (raw ?? '').trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,128}$/.test(t) ? t : 'application/octet-stream';
}

/** `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7E]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
