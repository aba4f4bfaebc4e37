/**
 * One error table (domain/error-texts.ts): every client-visible error has one stable snake_case
 * code and one text, each kind has a generic code, and docs/ERRORS.md and OpenAPI list exactly the
 * table's codes.
 */
import { readFileSync } from 'node:fs';
import { STATUS_BY_CODE } from '../../api/errors';
import { openApiDocument } from '../../api/openapi';
import {
  defaultCodeOf,
  ERROR_TEXT_CODES,
  ERRORS,
  errorKind,
  errorText,
  type ErrorTextCode,
} from '../../domain/error-texts';
import { appError, businessFailure, ErrorCode } from '../../domain/errors';
import { documentedErrorCodeRows, errorCodeRows, ERRORS_DOC_PATH } from '../../scripts/error-codes';

const sampleText = (code: ErrorTextCode): string => {
  const text: unknown = ERRORS[code].text;
  if (typeof text === 'string') return text;
  const fn = text as (...args: string[]) => string;
  return fn(...Array.from({ length: fn.length }, (_, i) => `arg${i}`));
};

describe('the error table', () => {
  it('keys every error by a snake_case code', () => {
    const notSnake = ERROR_TEXT_CODES.filter((code) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(code));
    expect(notSnake).toEqual([]);
  });

  it('gives every code a non-empty text', () => {
    const empty = ERROR_TEXT_CODES.filter((code) => !sampleText(code).trim());
    expect(empty).toEqual([]);
  });

  it('uses each fixed text for one code only (one condition, one text)', () => {
    const fixed = ERROR_TEXT_CODES.filter((code) => typeof ERRORS[code].text === 'string');
    const texts = fixed.map(sampleText);
    expect(texts.filter((t, i) => texts.indexOf(t) !== i)).toEqual([]);
  });

  it('has a generic code of the same kind for every error kind', () => {
    for (const kind of Object.values(ErrorCode)) {
      const code = defaultCodeOf(kind);
      expect({ kind, code, codeKind: errorKind(code) }).toEqual({ kind, code, codeKind: kind });
    }
  });

  it('maps every code to an HTTP status through its kind', () => {
    for (const code of ERROR_TEXT_CODES) {
      const kind = errorKind(code);
      if (kind) expect(STATUS_BY_CODE[kind as ErrorCode]).toEqual(expect.any(Number));
      else expect(code).toBe('internal_error');
    }
  });

  it('keeps the seeds’ words for the rental conditions clients match on', () => {
    expect(errorText('rental_not_active')).toBe('Rental not active');
    expect(errorText('rental_ended')).toContain('ended');
    expect(errorText('task_review_not_creator')).toBe('only the task creator may review submissions');
  });

  it('throws a code with its kind, text and code (REST) and as a failure carrying the code (workflows)', () => {
    const err = appError('rental_not_active');
    expect({ kind: err.code, text: err.message, code: err.wireCode }).toEqual({
      kind: ErrorCode.RentalNotActive,
      text: 'Rental not active',
      code: 'rental_not_active',
    });
    const failure = businessFailure('rental_ended');
    expect({ type: failure.type, message: failure.message, details: failure.details }).toEqual({
      type: ErrorCode.RentalEnded,
      message: 'rental ended',
      details: [{ code: 'rental_ended' }],
    });
  });

  it('is listed in docs/ERRORS.md exactly as generated', () => {
    // Regenerate with `npm run docs`.
    expect(documentedErrorCodeRows(readFileSync(ERRORS_DOC_PATH, 'utf8'))).toEqual(errorCodeRows());
  });

  it('is the enum of the OpenAPI Error schema’s required `code`', () => {
    const schema = (
      openApiDocument() as unknown as {
        components: { schemas: { Error: { required: string[]; properties: { code: { enum: string[] } } } } };
      }
    ).components.schemas.Error;
    expect(schema.required).toEqual(expect.arrayContaining(['error', 'code']));
    expect([...schema.properties.code.enum].sort()).toEqual([...ERROR_TEXT_CODES].sort());
  });
});
