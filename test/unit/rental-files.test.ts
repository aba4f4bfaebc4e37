/** The pure rules of rental files (domain/rental-files.ts): who uploads until when, and safe names. */
import {
  contentDisposition,
  mayUploadRentalFile,
  mayViewRentalFiles,
  safeContentType,
  safeFileName,
} from '../../domain/rental-files';

const DAY = 24 * 60 * 60 * 1000;
const parties = { renterId: 'renter', agentId: 'bot', ownerId: 'owner' };
const endedAt = Date.UTC(2026, 0, 1);

describe('rental files rules', () => {
  it('lets the bot and its owner upload while the rental runs', () => {
    for (const who of ['bot', 'owner']) {
      expect(mayUploadRentalFile(parties, who, { endedAtMs: null }, endedAt, 7)).toBeNull();
    }
  });

  it('keeps the window open up to exactly N days after the end, and closes it after', () => {
    expect(mayUploadRentalFile(parties, 'bot', { endedAtMs: endedAt }, endedAt + 7 * DAY, 7)).toBeNull();
    expect(mayUploadRentalFile(parties, 'bot', { endedAtMs: endedAt }, endedAt + 7 * DAY + 1, 7)).toBe(
      'rental_file_window_closed',
    );
  });

  it('refuses the renter (403) and hides the rental from anyone else (404)', () => {
    expect(mayUploadRentalFile(parties, 'renter', { endedAtMs: null }, endedAt, 7)).toBe(
      'rental_file_not_allowed',
    );
    expect(mayUploadRentalFile(parties, 'stranger', { endedAtMs: null }, endedAt, 7)).toBe(
      'rental_not_found',
    );
    expect(mayViewRentalFiles(parties, 'renter')).toBeNull();
    expect(mayViewRentalFiles(parties, 'stranger')).toBe('rental_not_found');
  });

  it('stores the last path segment of a name, without control characters, never empty or a dot name', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(safeFileName('a\u0000b\u0007c\ud800.txt')).toBe('a\ufffdb_c\ufffd.txt');
    expect(safeFileName('..')).toBe('file');
    expect(safeFileName('dir/')).toBe('file');
    expect(safeFileName(undefined)).toBe('file');
    expect(safeFileName('x'.repeat(300))).toHaveLength(255);
  });

  it('keeps a valid media type and falls back to application/octet-stream', () => {
    expect(safeContentType('Application/PDF')).toBe('application/pdf');
    expect(safeContentType('text/html\r\nX-Evil: 1')).toBe('application/octet-stream');
    expect(safeContentType(undefined)).toBe('application/octet-stream');
  });

  it.each([
    [
      'a right-to-left override (invoice\\u202Efdp.exe shows as invoiceexe.pdf)',
      'invoice\u202Efdp.exe',
      'invoice_fdp.exe',
    ],
    ['embeddings and a pop', 'a\u202Ab\u202Bc\u202Cd\u202De.txt', 'a_b_c_d_e.txt'],
    ['isolates', 'a\u2066b\u2067c\u2068d\u2069.txt', 'a_b_c_d_.txt'],
    ['marks (LRM, RLM, ALM)', 'a\u200Eb\u200Fc\u061C.txt', 'a_b_c_.txt'],
    ['zero-width and other format characters', 'a\u200Bb\u2060c\uFEFFd\u00ADe.txt', 'a_b_c_d_e.txt'],
    ['C1 controls and line separators', 'a\u0085b\u009Bc\u2028d\u2029.txt', 'a_b_c_d_.txt'],
  ])('neutralises %s in a stored name', (_what, raw, stored) => {
    expect(safeFileName(raw)).toBe(stored);
  });

  it('builds an attachment header with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('rapport "final" (1).pdf')).toBe(
      `attachment; filename="rapport _final_ (1).pdf"; filename*=UTF-8''rapport%20%22final%22%20%281%29.pdf`,
    );
  });
});
