import type { Client, Connection } from '@temporalio/client';
import type { Config } from '../domain/config';
import type { Db } from '../db/pool';
import type { Logger } from 'pino';

/** Everything a route factory may use; passed in, never imported as a global. */
export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  /** The connection under `temporal`, for health checks and shutdown. */
  temporalConnection: Connection;
  logger: Logger;
}
