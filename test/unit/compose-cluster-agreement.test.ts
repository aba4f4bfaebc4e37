/**
 * docker-compose.yml and `npm run dev:cluster` / `npm run test:cluster` describe the same
 * deployment: the same Temporal schema steps, the same search attributes, the same settings and
 * secrets per role. A change to one that is not made in the other fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';
import { NEVER_IN_CLUSTER, ROLE_SECRETS, roleEnv } from '../../scripts/cluster-roles';
import { TEMPORAL_SCHEMA_STEPS, temporalServerConfig } from '../../scripts/temporal-cluster';
import { TEMPORAL_SERVER_VERSION } from '../../scripts/temporal-servers';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
}
const compose = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service> };
const svc = compose.services;

const serverConfig = parse(
  temporalServerConfig(
    { host: '127.0.0.1', port: 5432, user: 'postgres', password: 'pw' },
    { frontend: 1, history: 2, matching: 3, worker: 4, membership: [5, 6, 7, 8] },
    '/tmp/dc.yaml',
  ),
) as {
  persistence: {
    numHistoryShards: number;
    defaultStore: string;
    visibilityStore: string;
    datastores: Record<string, { sql: { pluginName: string; databaseName: string } }>;
  };
};

describe('docker-compose.yml and dev:cluster', () => {
  it('run the same Temporal server version (the one test:cluster tests is the one production runs)', () => {
    const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(svc.temporal.image).toBe(`temporalio/server:${version}`);
    // The schema one-shot's SQL tool and schema files belong to the same release.
    for (const oneShot of ['temporal-schema', 'temporal-namespace']) {
      expect(svc[oneShot].image?.split(':')[1].split('-')[0]).toBe(version);
    }
  });

  it('run the same Temporal SQL tool steps in the same order', () => {
    const script = svc['temporal-schema'].command![0];
    const composeSteps = [...script.matchAll(/^sql (\S+) (.+?)(?: \|\| .*)?$/gm)].map((m) => ({
      database: m[1],
      args: m[2].trim().split(/\s+/),
    }));
    expect(composeSteps).toEqual(TEMPORAL_SCHEMA_STEPS.map(({ database, args }) => ({ database, args })));
    expect(script).toContain('temporal-sql-tool --plugin postgres12');
  });

  it('run the server on the same databases, SQL plugin, visibility store and shard count', () => {
    const env = svc.temporal.environment!;
    const { datastores, defaultStore, visibilityStore, numHistoryShards } = serverConfig.persistence;
    expect(datastores[defaultStore].sql).toMatchObject({ pluginName: env.DB, databaseName: env.DBNAME });
    expect(datastores[visibilityStore].sql).toMatchObject({
      pluginName: env.DB,
      databaseName: env.VISIBILITY_DBNAME,
    });
    expect(String(numHistoryShards)).toBe(env.NUM_HISTORY_SHARDS.match(/:-(\d+)\}/)![1]);
  });

  it('register the same search attributes with the same types', () => {
    const script = svc['temporal-namespace'].command![0];
    const registered = Object.fromEntries(
      [...script.matchAll(/^\s*add (\w+) (\w+)\s*$/gm)].map((m) => [m[1], m[2]]),
    );
    // dev:cluster registers SEARCH_ATTRIBUTE_CLI_TYPES (registerClusterSearchAttributes).
    expect(registered).toEqual(SEARCH_ATTRIBUTE_CLI_TYPES);
  });

  it('hand each role the same secrets under the same names', () => {
    const fileSecrets = (s: Service) =>
      Object.keys(s.environment!)
        .filter((k) => k.endsWith('_FILE'))
        .map((k) => k.slice(0, -'_FILE'.length))
        .sort();
    expect(fileSecrets(svc.api)).toEqual([...ROLE_SECRETS.api].sort());
    expect(fileSecrets(svc.worker)).toEqual([...ROLE_SECRETS.worker].sort());
  });

  it('keep the deposit mnemonic and the other role secrets out of each process', () => {
    const full = {
      DATABASE_URL: 'u',
      ADMIN_API_KEY: 'a',
      JWT_SECRET: 'j',
      TRON_HOT_WALLET_PRIVATE_KEY: 'k',
      TRON_DEPOSIT_MNEMONIC: 'm',
      TRON_DEPOSIT_XPUB: 'x',
    };
    for (const role of ['api', 'worker'] as const) {
      const env = roleEnv(role, full);
      for (const never of NEVER_IN_CLUSTER) expect(env[never]).toBeUndefined();
      const secretsSeen = Object.keys(env).filter((k) => k !== 'TRON_DEPOSIT_XPUB');
      expect(secretsSeen.sort()).toEqual([...ROLE_SECRETS[role]].sort());
      // The non-secret settings compose gives the role are ones the cluster passes through too.
      expect(svc[role].environment!.TRON_DEPOSIT_XPUB).toBeDefined();
      expect(env.TRON_DEPOSIT_XPUB).toBe('x');
    }
  });
});
