import type { Client } from '@temporalio/client';
import type { Config } from '../domain/config';
import type { Db } from '../db/pool';
import type { Logger } from 'pino';

/** What activities may touch. Built once per worker process and passed to every factory. */
export interface ActivityDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** For activities that must start or signal other workflows (e.g. webhook deliveries). */
  temporal: Client;
}
