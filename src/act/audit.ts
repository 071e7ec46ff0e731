/**
 * The audit trail of containment: who did what, when, to which target, the state before
 * and after, and the handle that undoes it (the journal id). The store's SQLite `audit`
 * table is one sink; a JSONL file is the other, for hosts without the store.
 */
import { closeSync, fsyncSync, openSync, writeSync, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { Json } from './action';

export interface AuditRecord {
  /** the admin (login, panel user) or "root" */
  who: string;
  /** ISO time */
  when: string;
  host: string;
  /** "queue-hold", "queue-hold:undo", "queue-delete" */
  action: string;
  target: string;
  before: Json;
  after: Json;
  /** the journal id: `spamtrace act undo ID` */
  undoHandle: string;
  verified: boolean;
  observations: string[];
}

export interface AuditSink {
  record(entry: AuditRecord): Promise<void>;
}

export class JsonlAuditSink implements AuditSink {
  constructor(readonly path: string) {}

  async record(entry: AuditRecord): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, JSON.stringify(entry) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async read(): Promise<AuditRecord[]> {
    const text = await fs.readFile(this.path, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as AuditRecord];
        } catch {
          return [];
        }
      });
  }
}
