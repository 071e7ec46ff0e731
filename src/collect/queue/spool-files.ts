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

/** The queue files of one spool directory, as the spool walk found them. */
export interface SpoolDir {
  /** relative to queue_directory, as postcat -q prints it: "deferred/A" */
  relDir: string;
  ids: QueueId[];
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
  // Per file only its ID and its directory's number: at 200,000 messages a path string
  // and an object per file were ~20 MB of the scan's peak.
  private dirs: string[] = [];
  private fileIds: QueueId[] = [];
  private fileDirs: number[] = [];
  private readonly ids = new Set<string>();
  /** IDs to read through postcat instead */
  readonly handBack: QueueId[] = [];
  /** messages read from their files so far */
  read = 0;

  constructor(
    private readonly queueDir: string,
    private readonly options: SpoolFilesOptions,
  ) {}

  add(dirs: readonly SpoolDir[]): void {
    for (const d of dirs) {
      const dir = this.dirs.push(d.relDir) - 1;
      for (const id of d.ids) {
        if (this.ids.has(id)) continue;
        this.ids.add(id);
        this.fileIds.push(id);
        this.fileDirs.push(dir);
      }
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
    const { dirs, fileIds, fileDirs } = this;
    this.dirs = [];
    this.fileIds = [];
    this.fileDirs = [];
    // (Reading the files' heads on a worker thread, to move the system calls to the other
    // core, was tried: at 100,000 files it doubled the scan's system time and added ~100 MB.)
    const reader = new QueueFileReader(this.options.skipped, this.options.parser?.reads);
    let denied = false;
    for (let i = 0; i < fileIds.length; i += BATCH) {
      const end = Math.min(fileIds.length, i + BATCH);
      const self = this;
      const parser = new PostcatParser({ ...this.options.parser, skipped: this.options.skipped });
      const messages = function* (): Generator<QueuedMessage> {
        let n = 0;
        for (let j = i; j < end; j++) {
          const id = fileIds[j]!;
          if (denied) {
            self.handBack.push(id);
            continue;
          }
          const rel = `${dirs[fileDirs[j]!]!}/${id}`;
          const r = reader.read(`${self.queueDir}/${rel}`, rel, parser, id);
          if (r.outcome === 'vanished' || r.outcome === 'denied') {
            // moved to another queue since the walk (postcat -q looks in all), or root was
            // refused (postcat then says why): postcat reads these
            if (r.outcome === 'denied') denied = true;
            self.handBack.push(id);
            continue;
          }
          n++;
          if (r.message) {
            self.read++;
            yield r.message;
          } // else the reader counted why not
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
    // the IDs stay known (has()) until forget(): the listing may still be running, and
    // what it lists that was read here must not be read again through postcat
  }

  /** The listing is complete: a 200,000-ID set need not live to the end of the scan. */
  forget(): void {
    this.ids.clear();
  }
}
