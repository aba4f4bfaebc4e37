/**
 * The settings table of docs/CONFIGURATION.md, generated from the zod schema (domain/config.ts):
 * name, secrecy, default and accepted values come from the schema, the meaning from
 * domain/config-docs.ts. `npm run docs` rewrites it; test/unit/generated-docs.test.ts fails while stale.
 */
import { z } from 'zod';
import { configSchema, SECRET_KEYS, type Config } from '../domain/config';
import { SETTING_DOCS } from '../domain/config-docs';
import { formatted, replaceSection, row } from './doc-sections';

export const CONFIG_DOC_FILE = 'docs/CONFIGURATION.md';
const SECTION = 'configuration';
const SCRIPT = 'npm run docs';

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  format?: string;
  pattern?: string;
};

/** The value the schema gives a setting nobody set, or `required` / `unset`. */
function defaultCell(key: keyof Config): string {
  const parsed = configSchema.shape[key].safeParse(undefined);
  const doc = SETTING_DOCS[key];
  const notes = [doc.unset, doc.dev && `dev: ${doc.dev}`].filter(Boolean).join('; ');
  const shown = !parsed.success ? 'required' : parsed.data === undefined ? '—' : `\`${String(parsed.data)}\``;
  return notes ? `${shown} (${notes})` : shown;
}

const num = (n: number) => (Math.abs(n) >= 10_000 ? n.toLocaleString('en-US').replace(/,/g, ' ') : String(n));

/** What the schema accepts, in words: an enum, a range, a format or a pattern. */
function acceptsCell(schema: JsonSchema): string {
  if (schema.enum) {
    const values = schema.enum.map(String);
    if (values.includes('true') && values.includes('0')) return 'boolean (`true`/`false`/`1`/`0`)';
    return values.map((v) => `\`${v}\``).join(', ');
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const kind = schema.type === 'integer' ? 'integer' : 'number';
    const max =
      schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
    if (schema.exclusiveMinimum !== undefined) return `${kind} > ${num(schema.exclusiveMinimum)}`;
    if (schema.minimum !== undefined && max !== undefined)
      return `${kind} ${num(schema.minimum)}–${num(max)}`;
    if (schema.minimum !== undefined) return `${kind} ≥ ${num(schema.minimum)}`;
    return kind;
  }
  if (schema.format === 'uri') return 'URL';
  if (schema.pattern) return `matching \`${schema.pattern}\``;
  if (schema.minLength && schema.minLength > 1) return `text, ≥ ${schema.minLength} characters`;
  return 'text';
}

/** The settings table, in the schema's order. */
export function renderConfigTable(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, JsonSchema>;
  };
  const keys = Object.keys(configSchema.shape) as (keyof Config)[];
  return [
    row(['variable', 'default', 'accepts', 'meaning']),
    row(['---', '---', '---', '---']),
    ...keys.map((key) =>
      row([
        `\`${key}\`${SECRET_KEYS.has(key) ? ' 🔒' : ''}`,
        defaultCell(key),
        acceptsCell(json.properties[key]),
        SETTING_DOCS[key].text,
      ]),
    ),
  ].join('\n');
}

export function renderConfigDoc(current: string): string {
  return formatted(
    replaceSection(current, CONFIG_DOC_FILE, SECTION, SCRIPT, renderConfigTable()),
    CONFIG_DOC_FILE,
  );
}
