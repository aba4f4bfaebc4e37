/**
 * The seeds' examples as printed (test/clients/seed-curl-examples.json and the client files), and
 * where the seed texts live: `../shared/seeds` beside the clone in CI, or AGENTRENT_SEEDS_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SeedExample {
  id: string;
  /** File name in the seeds folder the text is copied from. */
  seed: string;
  /** The example byte for byte as the seed prints it. */
  text: string;
}

export const CLIENTS_DIR = __dirname;
const ROOT = path.resolve(__dirname, '../..');

export const SEED_EXAMPLES: SeedExample[] = JSON.parse(
  fs.readFileSync(path.join(CLIENTS_DIR, 'seed-curl-examples.json'), 'utf8'),
) as SeedExample[];

export const seedExample = (id: string): string => {
  const found = SEED_EXAMPLES.find((e) => e.id === id);
  if (!found) throw new Error(`no seed example ${id}`);
  return found.text;
};

/** The seeds folder, or undefined when neither AGENTRENT_SEEDS_DIR nor ../shared/seeds exists. */
export function seedsDir(): string | undefined {
  const candidates = [
    process.env.AGENTRENT_SEEDS_DIR,
    path.resolve(ROOT, '../shared/seeds'),
    // A git worktree one level deeper than the clone (…/wt/<branch>) still finds the shared folder.
    path.resolve(ROOT, '../../shared/seeds'),
  ];
  return candidates.find((d): d is string => !!d && fs.existsSync(path.join(d, 'README.md')));
}

/**
 * Replaces each placeholder of the printed example (host, key, id) — and nothing else — with the
 * test's value, failing if a placeholder is not in the text (so a fixture edit cannot go unnoticed).
 */
export function substitute(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [placeholder, value] of Object.entries(values)) {
    if (!out.includes(placeholder)) throw new Error(`placeholder ${placeholder} is not in the example`);
    out = out.split(placeholder).join(value);
  }
  return out;
}
