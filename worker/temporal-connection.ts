/**
 * How every process reaches Temporal: plain gRPC on a private network (dev, compose), mTLS to a
 * self-hosted cluster or Temporal Cloud (TEMPORAL_TLS_CERT/KEY, optional CA and server name), or
 * a Temporal Cloud API key (TEMPORAL_API_KEY). PEM values come from the environment, usually
 * through `TEMPORAL_TLS_CERT_FILE` / `TEMPORAL_TLS_KEY_FILE` (see domain/config.ts).
 */
import type { TLSConfig } from '@temporalio/client';
import { type Config, ConfigError } from '../domain/config';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** Options for both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export function temporalConnectionOptions(config: Config): TemporalConnectionOptions {
  const { TEMPORAL_TLS_CERT: crt, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = config;
  if (!!crt !== !!key)
    throw new ConfigError('Invalid configuration: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY together');
  const options: TemporalConnectionOptions = { address: config.TEMPORAL_ADDRESS };
  if (crt || ca || config.TEMPORAL_TLS_SERVER_NAME) {
    options.tls = {
      ...(crt && key ? { clientCertPair: { crt: Buffer.from(crt), key: Buffer.from(key) } } : {}),
      ...(ca ? { serverRootCACertificate: Buffer.from(ca) } : {}),
      ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  }
  if (config.TEMPORAL_API_KEY) {
    options.apiKey = config.TEMPORAL_API_KEY;
    options.tls ??= true;
  }
  return options;
}
