/**
 * The examples the seed tests run are the seeds' own texts: every curl call and the Rentr shell
 * helper byte for byte, the Python clients line for line (the captured seed lost Python's
 * indentation, so only leading whitespace may differ).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLIENTS_DIR, SEED_EXAMPLES, seedsDir } from '../clients/seed-examples';

const dir = seedsDir();
const seedText = (file: string) => fs.readFileSync(path.join(dir!, file), 'utf8');

describe('seed examples match the seed texts', () => {
  it('finds the seeds folder (../shared/seeds beside the clone, or AGENTRENT_SEEDS_DIR)', () => {
    expect(dir).toBeDefined();
  });

  it.each(SEED_EXAMPLES.map((e) => [e.id, e] as const))('%s is printed verbatim in its seed', (_id, e) => {
    expect(seedText(e.seed)).toContain(e.text);
  });

  it('test/clients/rentr-helper.sh is the seed’s shell helper byte for byte', () => {
    const helper = SEED_EXAMPLES.find((e) => e.id === 'rentr-helper')!.text;
    expect(fs.readFileSync(path.join(CLIENTS_DIR, 'rentr-helper.sh'), 'utf8').trimEnd()).toBe(helper);
  });

  it.each(['agentsaccess_rental_bot.py', 'agentsaccess_webhook_server.py'])(
    '%s is the seed’s script line for line, indentation aside',
    (file) => {
      const ours = fs
        .readFileSync(path.join(CLIENTS_DIR, file), 'utf8')
        .split('\n')
        .map((l) => l.trimStart())
        .filter((l) => l !== '');
      const seedLines = seedText('agentsaccess-bot-rental-integration.txt').split('\n');
      const start = seedLines.indexOf(ours[0]);
      const docLine = seedLines.findIndex((l, i) => i > start && l === ours[2]);
      expect(start).toBeGreaterThanOrEqual(0);
      // The script starts at its shebang and runs on, with no line of ours missing or added.
      const from = docLine - 2 >= 0 ? seedLines.lastIndexOf(ours[0], docLine) : start;
      const theirs = seedLines
        .slice(from, from + ours.length + 20)
        .map((l) => l.trimStart())
        .filter((l) => l !== '')
        .slice(0, ours.length);
      expect(ours).toEqual(theirs);
    },
  );
});
