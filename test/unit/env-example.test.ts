/**
 * .env.example lists every setting of the configuration schema (domain/config.ts), in the
 * schema's order, with the schema's default: a setting added, renamed or re-defaulted in one and
 * not the other fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../domain/config';

const lines = fs
  .readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8')
  .split('\n')
  .map((line) => line.match(/^# ([A-Z][A-Z0-9_]*)=(.*)$/))
  .filter((m): m is RegExpMatchArray => m !== null);
const example = new Map(lines.map((m) => [m[1], m[2]]));

describe('.env.example', () => {
  it('names every setting of the schema, in its order, and nothing else', () => {
    expect([...example.keys()]).toEqual(Object.keys(configSchema.shape));
  });

  it("shows each setting's default (empty when it has none)", () => {
    const defaults = configSchema.parse({ JWT_SECRET: 'x'.repeat(32) }) as Record<string, unknown>;
    const expected = Object.fromEntries(
      Object.keys(configSchema.shape).map((key) => [
        key,
        key === 'JWT_SECRET' || defaults[key] === undefined ? '' : String(defaults[key]),
      ]),
    );
    expect(Object.fromEntries(example)).toEqual(expected);
  });

  it('sets nothing: every line is a comment', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
    expect(text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))).toEqual([]);
  });
});
