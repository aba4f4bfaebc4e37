/**
 * The Temporal server production runs, on this machine: its schema created with the Temporal SQL
 * tool in databases of its own on a Postgres (`temporal`, `temporal_visibility`; Postgres
 * visibility, no Elasticsearch), the server started from a config written here, then the
 * namespace and the platform's search attributes registered. Used by `npm run dev:cluster` and
 * `npm run test:cluster`; docker-compose.yml runs the same schema steps and registrations
 * (test/unit/compose-cluster-agreement.test.ts keeps them in step).
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { INDEXED_VALUE_TYPES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../domain/search-attributes';
import { resolveTemporalClusterTools } from './temporal-servers';

const run = promisify(execFile);

/** The schema steps, in order: the SQL tool's command and arguments after `--db <database>`. */
export const TEMPORAL_SCHEMA_STEPS: ReadonlyArray<{ database: string; args: string[]; mayExist?: true }> = [
  { database: 'temporal', args: ['create-database'], mayExist: true },
  { database: 'temporal', args: ['setup-schema', '-v', '0.0'] },
  { database: 'temporal', args: ['update-schema', '--schema-name', 'postgresql/v12/temporal'] },
  { database: 'temporal_visibility', args: ['create-database'], mayExist: true },
  { database: 'temporal_visibility', args: ['setup-schema', '-v', '0.0'] },
  { database: 'temporal_visibility', args: ['update-schema', '--schema-name', 'postgresql/v12/visibility'] },
];

export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Creates (or upgrades) Temporal's two databases with the Temporal SQL tool. Safe to run again. */
export async function setupTemporalSchema(sqlTool: string, db: SqlTarget): Promise<void> {
  const common = ['--plugin', 'postgres12', '--ep', db.host, '--port', String(db.port), '--user', db.user];
  for (const step of TEMPORAL_SCHEMA_STEPS) {
    try {
      await run(sqlTool, [...common, '--db', step.database, ...step.args], {
        env: { ...process.env, SQL_PASSWORD: db.password },
        timeout: 120_000,
      });
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      if (step.mayExist && /already exists/.test(text)) continue;
      throw new Error(`temporal-sql-tool ${step.args[0]} on ${step.database} failed: ${text.slice(-2000)}`, {
        cause: err,
      });
    }
  }
}

export interface ClusterPorts {
  frontend: number;
  history: number;
  matching: number;
  worker: number;
  /** Membership (ringpop) ports, one per service. */
  membership: [number, number, number, number];
}

/** The server's YAML config: SQL persistence and visibility on `db`, every service on loopback. */
export function temporalServerConfig(db: SqlTarget, ports: ClusterPorts, dynamicConfigFile: string): string {
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${db.host}:${db.port}"
        connectProtocol: tcp
        user: ${JSON.stringify(db.user)}
        password: ${JSON.stringify(db.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true`;
  return `# Written by scripts/temporal-cluster.ts at every start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${store('temporal', 20)}
    visibility:
${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
${service(ports.frontend, ports.membership[0])}
  history:
${service(ports.history, ports.membership[1])}
  matching:
${service(ports.matching, ports.membership[2])}
  worker:
${service(ports.worker, ports.membership[3])}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(dynamicConfigFile)}
  pollInterval: 10s
`;
}

// Search attributes registered a moment ago are usable at once (otherwise after a cache refresh).
const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

/** Adds the platform's search attributes the namespace does not have yet. */
export async function registerClusterSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES).filter(
    ([name]) => !(name in (existing.customAttributes ?? {})),
  );
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]])),
  });
}

/** Registers the namespace unless it exists, and waits until the frontend serves it. */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  retentionDays = 7,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch {
      await connection.workflowService
        .registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        })
        .catch(() => undefined); // already registered, not yet visible: describe again
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} did not become available`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface RunningTemporalCluster {
  address: string;
  process: ChildProcess;
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Schema → config → `temporal-server start` → namespace → search attributes. The server's output
 * goes to `onLine` (warnings and errors only, at log level warn).
 */
export async function startTemporalCluster(opts: {
  dir: string;
  db: SqlTarget;
  ports: ClusterPorts;
  namespace: string;
  onLine?: (line: string) => void;
}): Promise<RunningTemporalCluster> {
  const tools = await resolveTemporalClusterTools();
  await setupTemporalSchema(tools.sqlTool, opts.db);
  const configDir = path.join(opts.dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const dynamicConfig = path.join(opts.dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfig, DYNAMIC_CONFIG);
  fs.writeFileSync(
    path.join(configDir, 'cluster.yaml'),
    temporalServerConfig(opts.db, opts.ports, dynamicConfig),
    { mode: 0o600 },
  );
  const child = spawn(
    tools.server,
    ['--root', opts.dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (err) => resolve(`failed to start: ${err.message}`));
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) opts.onLine?.(line);
    });
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  };
  const address = `127.0.0.1:${opts.ports.frontend}`;
  try {
    let gone: string | undefined;
    void exited.then((how) => (gone = how));
    const deadline = Date.now() + 120_000;
    let connection: Connection | undefined;
    while (!connection) {
      if (gone) throw new Error(`temporal-server exited during start-up (${gone})`);
      if (Date.now() > deadline) throw new Error('temporal-server did not answer within 120 s');
      connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(async () => {
        await new Promise((r) => setTimeout(r, 500));
        return undefined;
      });
    }
    try {
      await ensureNamespace(connection, opts.namespace);
      // The operator service's namespace cache trails the frontend's by a few seconds.
      const until = Date.now() + 60_000;
      for (;;) {
        try {
          await registerClusterSearchAttributes(connection, opts.namespace);
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, process: child, exited, stop };
}
