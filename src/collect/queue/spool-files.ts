/**
 * The messages of the queue files found by the spool walk, read directly
 * (queue-file-reader.ts) in batches, each parsed synchronously as the scan iterates it,
 * like a held postcat batch. What it cannot read is handed back for postcat: a file
 * that vanished may only have moved to another queue (postcat -q looks in all of them),
 * and a file root cannot open gets postcat's own error message.
 */
import type { QueueId, QueuedMessage } from '../../domain/queue';
import type { SkipTally } from '../skip-tally';
import { PostcatParser, type PostcatParserOptions } from './postcat-parser';
import { QueueFileReader } from './queue-file-reader';

/** A queue file as the spool walk found it. */
export interface SpoolFile {
  queueId: QueueId;
  /** relative to queue_directory, as postcat -q prints it: "deferred/A/ID" */
  relPath: string;
}

/** files parsed per batch before the event loop gets a turn (the listing streams meanwhile) */
const BATCH = 500;

export interface SpoolFilesOptions {
  skipped: SkipTally;
  parser?: Omit<PostcatParserOptions, 'skipped' | 'expectedIds'>;
  /** messages done (read, or handed back) since the last call */
  onProgress?: (n: number) => void;
}

export class SpoolFiles {
  private files: SpoolFile[] = [];
  private readonly ids = new Set<string>();
  /** IDs to read through postcat instead */
  readonly handBack: QueueId[] = [];

  constructor(
    private readonly queueDir: string,
    private readonly options: SpoolFilesOptions,
  ) {}

  add(files: readonly SpoolFile[]): void {
    for (const f of files) {
      if (this.ids.has(f.queueId)) continue;
      this.ids.add(f.queueId);
      this.files.push(f);
    }
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Every file's message, BATCH files per batch; `handBack` is complete when this ends. */
  async *batches(): AsyncGenerator<Iterable<QueuedMessage>> {
    const files = this.files;
    this.files = [];
    const reader = new QueueFileReader(this.options.skipped);
    let denied = false;
    for (let i = 0; i < files.length; i += BATCH) {
      const batch = files.slice(i, i + BATCH);
      if (denied) {
        for (const f of batch) this.handBack.push(f.queueId);
        continue;
      }
      const self = this;
      const parser = new PostcatParser({ ...this.options.parser, skipped: this.options.skipped });
      const messages = function* (): Generator<QueuedMessage> {
        let n = 0;
        for (let j = 0; j < batch.length; j++) {
          const f = batch[j]!;
          if (denied) {
            self.handBack.push(f.queueId);
            continue;
          }
          const r = reader.read(`${self.queueDir}/${f.relPath}`, f.relPath, parser);
          if (r.outcome === 'vanished' || r.outcome === 'denied') {
            if (r.outcome === 'denied') denied = true;
            self.handBack.push(f.queueId);
            continue;
          }
          n++;
          if (r.message) yield r.message; // else the reader counted why not
          if (n === 100) {
            self.options.onProgress?.(n);
            n = 0;
          }
        }
        if (n > 0) self.options.onProgress?.(n);
      };
      const it = messages();
      yield { [Symbol.iterator]: () => ({ next: () => it.next() }) };
      for (let r = it.next(); !r.done; r = it.next()); // what the consumer left
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.ids.clear();
  }
}
