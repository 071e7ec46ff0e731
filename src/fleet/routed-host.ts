/**
 * A mail node and the web node its customers' sites live on, seen as one Host: the scan
 * reads the queue and the mail log on the mail node (programs, /var/log, the spool) and
 * the inventory, access logs and dropped scripts on the web node (everything under the
 * web roots). runScan stays unchanged; the routing is by path, decided here alone.
 *
 * It assumes what such a split needs anyway to name a uid: both nodes share the
 * customers' system users (one passwd/LDAP, or a panel that creates them on both).
 */
import * as path from 'node:path';
import type { FileInfo, Host, Line, LineStreamOptions, NumberedLine, RunOptions, RunResult, StreamedRun } from '../host/host';

/** Where the inventory and the access logs live (Plesk and Confixx defaults). */
export const DEFAULT_WEB_ROOTS: readonly string[] = ['/var/www'];

/** Programs that only look at a web path: run them where the path is. */
const PATH_PROGRAMS = new Set(['realpath']);

export class RoutedHost implements Host {
  readonly name: string;
  private readonly roots: string[];

  constructor(
    private readonly mail: Host,
    private readonly web: Host,
    webRoots: readonly string[] = DEFAULT_WEB_ROOTS,
  ) {
    this.name = mail.name;
    this.roots = webRoots.map((r) => path.posix.normalize(r).replace(/\/+$/, '') || '/');
    if (mail.grepLines && web.grepLines) {
      this.grepLines = (p, needles, options) => {
        const h = this.hostFor(p);
        return h.grepLines!(p, needles, options);
      };
    }
  }

  /**
   * Confixx keeps its database and confixx_main.conf with the customers' sites: the web
   * node first. A panel on the mail node (its database reached over TCP from there) is
   * still found after it.
   */
  panelHosts(): readonly Host[] {
    return [this.web, this.mail];
  }

  /** The web node for paths under a web root, the mail node for everything else. */
  hostFor(p: string): Host {
    const n = path.posix.normalize(p);
    return this.roots.some((r) => n === r || n.startsWith(`${r}/`)) ? this.web : this.mail;
  }

  private programHost(program: string, args: readonly string[]): Host {
    if (!PATH_PROGRAMS.has(path.posix.basename(program))) return this.mail;
    const target = args.filter((a) => a.startsWith('/')).at(-1);
    return target ? this.hostFor(target) : this.mail;
  }

  run(program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.programHost(program, args).run(program, args, options);
  }

  runLines(program: string, args: readonly string[], options?: LineStreamOptions): StreamedRun {
    return this.programHost(program, args).runLines(program, args, options);
  }

  /**
   * Filtered where the file lives: an access log on the web node is grepped there, so
   * only the matching lines cross, as on a single host. Offered only when both nodes can
   * (otherwise the caller reads the whole file through readChunks, routed the same way).
   */
  readonly grepLines?: (p: string, needles: readonly string[], options?: { maxLineBytes?: number }) => AsyncIterable<NumberedLine>;

  readLines(p: string, options?: { maxLineBytes?: number }): AsyncIterable<Line> {
    return this.hostFor(p).readLines(p, options);
  }

  readChunks(p: string): AsyncIterable<Buffer> {
    return this.hostFor(p).readChunks(p);
  }

  stat(p: string): Promise<FileInfo | null> {
    return this.hostFor(p).stat(p);
  }

  list(dir: string): Promise<string[]> {
    return this.hostFor(dir).list(dir);
  }

  /** each node is asked for its own paths */
  async prefetch(what: { stat?: readonly string[]; list?: readonly string[]; withNext?: boolean }): Promise<void> {
    const part = (h: Host, xs: readonly string[] | undefined): string[] => (xs ?? []).filter((p) => this.hostFor(p) === h);
    await Promise.all([this.mail, this.web].map((h) => h.prefetch?.({ stat: part(h, what.stat), list: part(h, what.list), ...(what.withNext ? { withNext: true } : {}) })));
  }

  /** each node filters its own files */
  async prefetchGreps(paths: readonly string[], needles: readonly string[], options?: { maxLineBytes?: number }): Promise<void> {
    await Promise.all([this.mail, this.web].map((h) => h.prefetchGreps?.(paths.filter((p) => this.hostFor(p) === h), needles, options)));
  }

  effectiveUid(): Promise<number> {
    return this.mail.effectiveUid();
  }

  /** the queue and the mail log are the mail node's: its zone */
  async utcOffsetMinutes(): Promise<number | null> {
    return (await this.mail.utcOffsetMinutes?.()) ?? null;
  }
}
