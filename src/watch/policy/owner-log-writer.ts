/**
 * The record the policy service keeps (smtp-owners.jsonl under the watcher's state dir): one
 * JSON line per loopback SMTP message, appended. A JSON-lines file rather than a table in the
 * store because it sits beside the watcher's other state (trips.jsonl, position.json), any
 * scan reads it through its Host (over SSH too, as `--hosts` scans do), and appending a line
 * never waits on the UI's SQLite writer. Bounded: past `maxBytes` the file becomes `.1` (the
 * previous `.1` is dropped), so at most twice that is kept, about 2 x 25,000 messages by
 * default: days of a busy server's loopback mail, enough for a scan started after the alarm.
 *
 * Writes are queued and appended in order off the request path; the directory is 0700 and the
 * file 0600 (it names local accounts and senders). A write that fails is counted and logged
 * once per kind, never thrown into the service.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { SmtpOwnerRecord } from '../../domain/smtp-owner';

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** records waiting to be written at most; past it new ones are counted as dropped */
const MAX_PENDING = 10_000;

export class OwnerLogWriter {
  private pending: string[] = [];
  private writing: Promise<void> | null = null;
  private size: number | null = null;
  written = 0;
  dropped = 0;
  failures = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
    private readonly log?: (line: string) => void,
  ) {}

  append(r: SmtpOwnerRecord): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped += 1;
      return;
    }
    this.pending.push(JSON.stringify(r) + '\n');
    this.writing ??= this.drain().finally(() => (this.writing = null));
  }

  /** Resolves when everything appended so far is on disk (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.join('');
      const n = this.pending.length;
      this.pending = [];
      try {
        await this.write(batch);
        this.written += n;
      } catch (e) {
        this.failures += n;
        if (this.failures === n) this.log?.(`watch: policy service: cannot write ${this.path}: ${(e as Error).message}`);
      }
    }
  }

  private async write(text: string): Promise<void> {
    if (this.size === null) {
      await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      this.size = (await fs.stat(this.path).catch(() => null))?.size ?? 0;
    }
    if (this.size > 0 && this.size + text.length > this.maxBytes) {
      await fs.rename(this.path, `${this.path}.1`);
      this.size = 0;
    }
    const fh = await fs.open(this.path, 'a', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.write(text);
      // the record is evidence: on disk before the next batch, a crash loses at most one batch
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.size += Buffer.byteLength(text);
  }
}
