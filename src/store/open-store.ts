/**
 * The SQLite store: one file, WAL so readers (the UI) never block the sender, a busy
 * timeout so two processes (a cron scan and an admin's `notify send`) queue for the write
 * lock instead of failing. Opening it brings the schema up to date.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { storeError } from './store-error';
import { migrate, MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export interface StoreOptions {
  /** ms a writer waits for another process's lock before giving up */
  busyTimeoutMs?: number;
  migrations?: readonly Migration[];
  now?: () => number;
}

export interface Store {
  readonly db: Db;
  readonly path: string;
  readonly now: () => number;
  close(): void;
}

export function openStore(path: string, options: StoreOptions = {}): Store {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    db = new Database(path);
  } catch (e) {
    throw storeError(`store ${path}: cannot open: ${(e as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode (only a power cut may lose the
    // last commit), which is the failure the outbox must survive.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS, options.now ?? Date.now);
  } catch (e) {
    db.close();
    throw storeError(`store ${path}: ${(e as Error).message}`);
  }
  return { db, path, now: options.now ?? Date.now, close: () => db.close() };
}

/**
 * Runs `fn` in one IMMEDIATE transaction: the write lock is taken at the start, so a
 * count and the insert that depends on it cannot interleave with another process's.
 */
export function immediateTransaction<T>(store: Store, fn: () => T): T {
  return store.db.transaction(fn).immediate();
}
