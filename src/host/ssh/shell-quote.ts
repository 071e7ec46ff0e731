/**
 * ssh hands the remote side ONE string, which the remote user's shell parses again. This
 * is the only place that string is built: every argument is put in single quotes, inside
 * which a POSIX shell treats every byte literally (`;`, `$()`, backquotes, `*`, newlines);
 * an embedded single quote ends the quote, adds an escaped `\'` and opens a new one.
 * NUL cannot be passed through argv at all, so it is refused rather than silently cut.
 */

export class ShellQuoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShellQuoteError';
  }
}

/** One argument, quoted for a POSIX shell (sh, dash, bash, zsh in sh mode). */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new ShellQuoteError('an argument for the remote command contains a NUL byte: refused');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The argument array as one remote command line: each argument quoted, joined by spaces. */
export function shellQuote(args: readonly string[]): string {
  if (args.length === 0) throw new ShellQuoteError('an empty remote command');
  return args.map(quoteArg).join(' ');
}
