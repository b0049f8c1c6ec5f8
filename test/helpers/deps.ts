import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Clock, CoreDeps } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** Captures pino output as text so tests can assert what was (and was not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export class ManualClock implements Clock {
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestDeps extends CoreDeps {
  database: TestDatabase;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function createTestDeps(options: { clock?: Clock; max?: number } = {}): Promise<TestDeps> {
  const database = await createTestDatabase({ max: options.max ?? 10 });
  const logs = new LogCapture();
  return {
    database,
    db: database.db,
    sql: database.sql,
    log: createLogger({ level: 'debug' }, logs),
    logs,
    clock: options.clock ?? { now: () => new Date() },
    credentialsKey: randomBytes(32),
    close: () => database.drop(),
  };
}
