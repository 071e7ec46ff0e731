/**
 * main.cf values, asked from Postfix together: a scan's stages each need a few parameters
 * (hosted domains, log settings, queue paths, bind addresses), and over SSH every
 * `postconf` is a round trip and a process start on the server. The scan announces every
 * parameter its stages will read (`want`), and the first `get` asks for all of them in one
 * `postconf -x NAME...`; the later ones are answered from that. One instance lives for one
 * scan: a long-running watcher makes its own, so a changed main.cf is read again.
 *
 * `postconf -x` prints `name = value` per parameter it knows (a name this Postfix does not
 * know is a warning on stderr and no line, so the answer is read by name, never by
 * position: an unknown name reads as ''). Postfix before 2.10 has no -x: then the values
 * come unexpanded (`postconf NAME...`) and only callers that can use them get them.
 */
import type { Host } from '../host/host';

const TIMEOUT_MS = 15_000;
const NAME = /^[a-z0-9_]{1,100}$/;

export interface PostconfAnswer {
  /** the values of the names asked, in their order ('' for a name this Postfix does not know) */
  values: string[];
  /** false on Postfix < 2.10: `$name` references are left as written */
  expanded: boolean;
}

/** Why postconf gave no values: it is not installed, or it failed. */
export type PostconfFailure = 'missing' | 'failed';

export class PostconfValues {
  private readonly wanted = new Set<string>();
  private readonly values = new Map<string, string>();
  private readonly asked = new Set<string>();
  private expanded = true;
  private failure: PostconfFailure | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: Host,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  /** These parameters will be read: the next question to Postfix asks for them too. */
  want(names: readonly string[]): void {
    for (const n of names) if (NAME.test(n) && !this.asked.has(n)) this.wanted.add(n);
  }

  /**
   * The values of `names`; a failure when postconf is missing or failed, or (with
   * `expanded`, the default) when this Postfix cannot expand them.
   */
  get(names: readonly string[], o: { expanded?: boolean } = {}): Promise<PostconfAnswer | PostconfFailure> {
    // one question at a time: a second caller waits and is then answered from the first
    const next = this.queue.then(() => this.answer(names, o.expanded ?? true));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async answer(names: readonly string[], expanded: boolean): Promise<PostconfAnswer | PostconfFailure> {
    for (const n of names) if (!NAME.test(n)) throw new RangeError(`not a Postfix parameter name: ${JSON.stringify(n.slice(0, 80))}`);
    const missing = names.filter((n) => !this.asked.has(n));
    if (missing.length > 0 && this.failure === null) await this.ask([...new Set([...missing, ...this.wanted])]);
    if (this.failure !== null) return this.failure;
    if (expanded && !this.expanded) return 'failed';
    return { values: names.map((n) => this.values.get(n) ?? ''), expanded: this.expanded };
  }

  private async ask(names: string[]): Promise<void> {
    let r = await this.run(['-x', ...names]);
    if (r !== 'missing' && r.code !== 0 && this.values.size === 0) {
      // Postfix < 2.10 refuses -x as a usage error: the unexpanded values then
      const plain = await this.run(names);
      if (plain !== 'missing' && plain.code === 0) {
        this.expanded = false;
        r = plain;
      }
    }
    for (const n of names) {
      this.asked.add(n);
      this.wanted.delete(n);
    }
    if (r === 'missing') {
      this.failure = 'missing';
      return;
    }
    if (r.code !== 0) {
      this.failure = 'failed';
      return;
    }
    const wanted = new Set(names);
    for (const line of r.stdout.split('\n')) {
      const eq = line.indexOf(' =');
      const name = eq > 0 ? line.slice(0, eq) : '';
      if (!wanted.has(name)) continue;
      this.values.set(name, line.slice(eq + 2).trim());
    }
  }

  /** postconf from PATH, then /usr/sbin (cron and some sudo setups leave it out of PATH). */
  private async run(args: string[]): Promise<{ code: number | null; stdout: string } | 'missing'> {
    let r = await this.host.run('postconf', args, { timeoutMs: this.timeoutMs });
    if (r.spawnError?.code === 'ENOENT') r = await this.host.run('/usr/sbin/postconf', args, { timeoutMs: this.timeoutMs });
    if (r.spawnError?.code === 'ENOENT') return 'missing';
    return { code: r.spawnError ? null : r.code, stdout: r.stdout };
  }
}
