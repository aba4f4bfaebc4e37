/**
 * The docker compose namespace one-shot's shell script, run for real: with the same `temporal` CLI
 * against the harness's Temporal server, on a namespace that does not exist yet, twice (a restarted stack runs it again).
 */
import { Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { INDEXED_VALUE_TYPES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';
import { resolveTemporalCli } from '../../scripts/temporal-servers';
import { harnessState } from '../harness/state';

const run = promisify(execFile);

/** The one-shot's script as the container's shell sees it (compose turns `$$` into `$`). */
function oneShotScript(): string {
  const compose = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, { command: string[] }> };
  return compose.services['temporal-namespace'].command[0].replace(/\$\$/g, '$');
}

describe('docker compose namespace one-shot', () => {
  it('creates the namespace, registers every search attribute and succeeds again when re-run', async () => {
    const cli = await resolveTemporalCli();
    if (!cli.path) throw new Error('no temporal CLI available');
    const address = harnessState().temporalAddress;
    const namespace = `compose-sa-${Date.now()}`;
    const env = {
      ...process.env,
      PATH: `${path.dirname(cli.path)}${path.delimiter}${process.env.PATH}`,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
    };
    await run('sh', ['-ec', oneShotScript()], { env, timeout: 150_000 });
    const second = await run('sh', ['-ec', oneShotScript()], { env, timeout: 150_000 });
    expect(second.stdout).toContain('BusinessStatus already registered');

    const connection = await Connection.connect({ address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const types = Object.fromEntries(Object.entries(INDEXED_VALUE_TYPES).map(([name, n]) => [n, name]));
      const registered = Object.fromEntries(
        Object.keys(SEARCH_ATTRIBUTE_CLI_TYPES).map((name) => [
          name,
          types[Number(customAttributes?.[name])],
        ]),
      );
      expect(registered).toEqual(SEARCH_ATTRIBUTE_CLI_TYPES);
    } finally {
      await connection.close();
    }
  }, 180_000);
});
