/**
 * No Docker engine runs here, so the production compose file is checked by reading it: the
 * services, ports, health checks and start order it must have, that the app's environment is a
 * valid configuration, and that the one-shot registers every custom search attribute.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../domain/config';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

const ROOT = path.join(__dirname, '..', '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const ONE_SHOTS = ['migrate', 'temporal-search-attributes'];

/** Resolves compose interpolation: `${X:-default}` → default, `${X:?msg}` → the sample value. */
function interpolate(value: string, samples: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (op === '-') return arg ?? '';
    if (!(name in samples)) throw new Error(`no sample value for required ${name}`);
    return samples[name];
  });
}

const SAMPLE_SECRETS = {
  POSTGRES_PASSWORD: 'pw',
  ADMIN_API_KEY: 'rr_admin_0123456789abcdef0123',
  JWT_SECRET: 'x'.repeat(40),
  TRON_DEPOSIT_MNEMONIC: 'test test test test test test test test test test test junk',
  TRON_HOT_WALLET_PRIVATE_KEY: 'a'.repeat(64),
};

describe('docker-compose.yml', () => {
  it('defines the platform services with their images', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'migrate',
        'postgres',
        'temporal',
        'temporal-postgres',
        'temporal-search-attributes',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(services.postgres.image).toBe('postgres:17');
    expect(services['temporal-postgres'].image).toBe('postgres:17');
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:\d/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d/);
    expect(services['temporal-search-attributes'].image).toMatch(/^temporalio\/admin-tools:\d/);
    for (const name of ['api', 'worker', 'migrate']) expect(services[name].build).toBe('.');
  });

  it('publishes the API on 3000, Temporal gRPC on 7233 and the Temporal UI on 8233', () => {
    expect(services.api.ports).toContain('3000:3000');
    expect(services.temporal.ports).toContain('7233:7233');
    expect(services['temporal-ui'].ports).toContain('8233:8080');
  });

  it('runs each app process from the one image with its own command', () => {
    expect(services.api.command?.join(' ')).toContain('api/server.ts');
    expect(services.worker.command?.join(' ')).toContain('worker/main.ts');
    expect(services.migrate.command?.join(' ')).toContain('scripts/migrate.ts');
  });

  it('gives every long-running service a health check and lets one-shots finish', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (ONE_SHOTS.includes(name)) expect(svc.restart).toBe('no');
      else expect(svc.healthcheck?.test.length).toBeGreaterThan(0);
    }
  });

  it('starts api and worker only after migrations, a healthy Temporal and the search attributes', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
        'temporal-search-attributes': { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.temporal.depends_on).toEqual({ 'temporal-postgres': { condition: 'service_healthy' } });
    expect(services['temporal-search-attributes'].depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
    });
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

  it('points Temporal at its own Postgres through auto-setup', () => {
    const env = services.temporal.environment!;
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(env.POSTGRES_USER).toBe(services['temporal-postgres'].environment!.POSTGRES_USER);
    expect(env.POSTGRES_PWD).toBe(services['temporal-postgres'].environment!.POSTGRES_PASSWORD);
    expect(services['temporal-ui'].environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('gives api, worker and migrate an environment that is a valid configuration', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const raw = services[name].environment!;
      for (const key of Object.keys(raw)) expect(Object.keys(configSchema.shape)).toContain(key);
      const env = Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k, interpolate(String(v), SAMPLE_SECRETS)]),
      );
      const config = loadConfig(env);
      expect(config.NODE_ENV).toBe('production');
      expect(config.DATABASE_URL).toBe('postgres://agentrent:pw@postgres:5432/agentrent');
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(config.PORT).toBe(3000);
    }
  });

  it('requires every secret from the operator instead of shipping a default', () => {
    const env = services.api.environment!;
    for (const secret of [
      'ADMIN_API_KEY',
      'JWT_SECRET',
      'TRON_DEPOSIT_MNEMONIC',
      'TRON_HOT_WALLET_PRIVATE_KEY',
    ]) {
      expect(env[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?`));
    }
    expect(env.DATABASE_URL).toContain('${POSTGRES_PASSWORD:?');
  });

  it('registers every custom search attribute with its type in the one-shot', () => {
    const script = services['temporal-search-attributes'].command!.join('\n');
    const registered = Object.fromEntries(
      [...script.matchAll(/^\s*add (\w+) (\w+)\s*$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(registered).toEqual(SEARCH_ATTRIBUTE_CLI_TYPES);
    expect(script).toContain('temporal operator search-attribute create');
  });

  it('builds the app image from node 20 with a clean npm ci', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
  });
});
