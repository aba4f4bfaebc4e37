/**
 * The one text rule for everything that reaches Postgres or Temporal. Pure and workflow-safe.
 *
 * Postgres `text` cannot hold U+0000, and a lone UTF-16 surrogate cannot be encoded as UTF-8 (it
 * becomes U+FFFD on the way, so what we store is not what was sent). Other C0 control characters
 * are refused too: they have no place in names, messages or proofs and break logs and headers.
 *
 * - Input a client sends through our schemas is REFUSED (`textProblem` → a 400 naming the field).
 * - Text we only record from outside (a proxy agent's reply, a webhook receiver's response body)
 *   is NEUTRALISED (`neutraliseText`) and CAPPED (`capText`), never refused: refusing it would
 *   fail the rental or delivery that recorded it.
 */

/* eslint-disable no-control-regex -- matching control characters is the point of this module */
/** C0 control characters other than tab, line feed and carriage return, and DEL. */
const MULTILINE_CONTROLS = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Every C0 control character and DEL (single-line fields: names, titles, URLs, tokens, keys). */
const SINGLE_LINE_CONTROLS = /[\u0001-\u001F\u007F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
const NULS = /\u0000/g;
/* eslint-enable no-control-regex */

/**
 * The same rule as a JSON-Schema `pattern` (for OpenAPI, so generated requests satisfy it).
 * Lone surrogates are left out: a pattern cannot name them portably, and they are refused anyway.
 */
export const MULTILINE_TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
export const SINGLE_LINE_TEXT_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';

export interface TextRuleOptions {
  /** Tab, line feed and carriage return allowed (messages, descriptions, proofs, reasons). */
  multiline?: boolean;
}

/** Why `s` cannot be stored faithfully at all (NUL, lone surrogates), or undefined. */
export function storageProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain an unpaired UTF-16 surrogate';
  return undefined;
}

/** Why `s` may not be accepted as a text field, or undefined when it may. */
export function textProblem(s: string, opts: TextRuleOptions = {}): string | undefined {
  const storage = storageProblem(s);
  if (storage) return storage;
  if ((opts.multiline ? MULTILINE_CONTROLS : SINGLE_LINE_CONTROLS).test(s))
    return opts.multiline
      ? 'must not contain control characters other than tab, line feed and carriage return'
      : 'must not contain control characters';
  return undefined;
}

/** Deeper than this, JSON from outside is refused (a request) or kept as text (a reply). */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests deeper than `limit`, found without recursion (hostile input is deep). */
export function jsonDepthExceeds(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length) {
    const next = stack.pop()!;
    if (!next.value || typeof next.value !== 'object') continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value as Record<string, unknown>))
      stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** `s` with NUL and lone surrogates replaced by U+FFFD: something Postgres and UTF-8 can hold. */
export function neutraliseText(s: string): string {
  return s.replace(NULS, REPLACEMENT_CHARACTER).replace(LONE_SURROGATES, REPLACEMENT_CHARACTER);
}

/** At most `max` UTF-16 units of `s`, never cutting a surrogate pair in half. */
export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = /[\uD800-\uDBFF]/.test(s[max - 1] ?? '') ? max - 1 : max;
  return s.slice(0, cut);
}

/** neutraliseText + capText. */
export const safeRecordedText = (s: string, max: number): string => capText(neutraliseText(s), max);

/**
 * A JSON value with every string (keys included) neutralised, or undefined when its JSON would
 * be longer than `maxJsonChars` or nest deeper than `maxDepth` (the caller then keeps text).
 */
export function neutraliseJson(value: unknown, maxJsonChars: number, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(value, maxDepth)) return undefined;
  // Recursion is bounded: the depth was checked above.
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') return neutraliseText(v);
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [neutraliseText(k), clean(x)]),
      );
    return v;
  };
  const cleaned = clean(value);
  const json = JSON.stringify(cleaned);
  return json !== undefined && json.length <= maxJsonChars ? cleaned : undefined;
}
