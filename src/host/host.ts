/**
 * Everything the collectors need from a machine. Collectors only ever see this
 * interface, so the same collector runs on the local machine or (later) over SSH.
 * Programs always take an argument array: nothing here goes through a shell.
 */

export interface RunOptions {
  /** written to the program's stdin, then closed; a Buffer crosses byte for byte (file contents) */
  input?: string | Buffer;
  timeoutMs?: number;
  /** cap on captured stdout/stderr bytes each; beyond it the output is cut and `truncated` set */
  maxOutputBytes?: number;
  env?: Record<string, string>;
  /**
   * The program flushes after every small record (postcat, postqueue's showq): through
   * a pipe that is one wake-up per record. Collect its stdout through a private file
   * instead. A hint: a Host may ignore it.
   */
  outputViaFile?: boolean;
}

export interface RunResult {
  /** exit code, null when killed by a signal or when the program could not start */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** set when the program could not be started at all (ENOENT, EACCES) */
  spawnError?: { code: string; message: string };
  timedOut: boolean;
}

export interface LineStreamOptions extends RunOptions {
  /** lines longer than this many bytes are cut to it (and counted) */
  maxLineBytes?: number;
}

/** A line of output; `cut` says it was longer than the limit and was truncated. */
export interface Line {
  text: string;
  cut: boolean;
}

export interface StreamedRun {
  lines: AsyncIterable<Line>;
  /** resolves after the program exited and all lines were consumed; stdout is '' here */
  done: Promise<RunResult>;
}

export interface FileInfo {
  path: string;
  size: number;
  mtime: Date;
  mode: number;
  uid: number;
  gid: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymbolicLink: boolean;
}

/** A line that matched, with its 1-based number in the (decompressed) file. */
export interface NumberedLine {
  lineNo: number;
  text: string;
  /** longer than the limit: cut */
  cut: boolean;
}

export interface Host {
  /** a name for reports: the hostname, or the SSH alias */
  readonly name: string;
  run(program: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** run a program and read its stdout line by line, memory bounded by maxLineBytes */
  runLines(program: string, args: readonly string[], options?: LineStreamOptions): StreamedRun;
  /** read a file line by line (gzip decompressed when the name ends in .gz) */
  readLines(path: string, options?: { maxLineBytes?: number }): AsyncIterable<Line>;
  /**
   * Read a file as raw byte chunks (gzip decompressed when the name ends in .gz), for
   * scanners that search bytes before they decode lines. The last path component is
   * never followed when it is a symlink (ELOOP): resolve a link first, then read the
   * resolved path. Ending the iteration early closes the file.
   */
  readChunks(path: string): AsyncIterable<Buffer>;
  /**
   * The lines of a file (decompressed when gzipped) holding any of `needles` (fixed
   * strings), numbered as in the file, filtered where the file lives so only they travel.
   * Optional: where it is missing the caller reads the whole file with readChunks. Like
   * readChunks, a symlink is not followed.
   */
  grepLines?(path: string, needles: readonly string[], options?: { maxLineBytes?: number }): AsyncIterable<NumberedLine>;
  stat(path: string): Promise<FileInfo | null>;
  list(dir: string): Promise<string[]>;
  /**
   * A hint: these paths are about to be stat'ed and these directories listed. A host
   * where every question is a round trip (SshHost) asks for all of them at once and
   * answers the stat()/list() calls that follow from that, for a few seconds. It never
   * changes an answer (what could not be told apart is asked again), never fails, and a
   * host without it is asked one by one. With `withNext`, nothing is asked now: the stats
   * go along with the host's next prefetch (or the first stat() of one of them), for
   * paths known early that are looked at later.
   */
  prefetch?(what: { stat?: readonly string[]; list?: readonly string[]; withNext?: boolean }): Promise<void>;
  /**
   * A hint like prefetch: these files are about to be read with grepLines(path, needles,
   * options). A host where every question is a round trip (SshHost) filters all of them
   * in one run and answers those grepLines calls from it for a while (the lines, the line
   * numbers and a file's error, exactly as a grepLines of its own would give them). Never
   * fails; what it could not keep is asked again.
   */
  prefetchGreps?(paths: readonly string[], needles: readonly string[], options?: { maxLineBytes?: number }): Promise<void>;
  /**
   * A host made of several machines (a split mail/web pair): the machines a hosting panel
   * may be installed on, in the order to look. The panel found there is then read
   * through that machine alone: its files, its `mysql` client, its accounts. Optional:
   * absent means the panel is on this host itself.
   */
  panelHosts?(): readonly Host[];
  /** effective uid of the process that does the work (0 = root) */
  effectiveUid(): Promise<number>;
  /**
   * The host's own zone offset from UTC now (minutes east), for year-less times its
   * programs print. Optional: absent (or null) means the scanner's zone is the host's.
   */
  utcOffsetMinutes?(): Promise<number | null>;
}
