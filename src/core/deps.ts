import type { Db, Sql } from './db/client.js';
import type { Logger } from './logger.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What every core function may use. Each process wires one of these in its composition root. */
export interface CoreDeps {
  db: Db;
  sql: Sql;
  log: Logger;
  clock: Clock;
  /** 32-byte key for credentials at rest; undefined means credentials cannot be stored (said at start). */
  credentialsKey?: Buffer;
}
