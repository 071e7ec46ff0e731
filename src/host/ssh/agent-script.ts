/**
 * The remote half of SshHost: a small POSIX sh program that runs for the whole scan in
 * one SSH session and executes requests one after another, so a scan costs a fixed
 * number of sessions (and remote login shells) however many files, directories and
 * uids it looks at. Like Ansible's pipelining or mitogen, with nothing installed.
 *
 * How it starts: ssh's one remote string is the constant `exec /bin/sh`, which every
 * login shell (sh, bash, zsh, fish, csh) runs the same way; no argument is ever quoted
 * for the login shell. This script then goes to that sh on stdin, and the client waits
 * for its READY line before sending anything else: dash reads its script from a pipe in
 * blocks and would swallow requests sent along with it.
 *
 * A request (client -> agent), lines:
 *   NONCE MODE SECONDS COUNT INPUT      MODE p: stdout streams; f: through a private file
 *   ARG x COUNT                         each escaped by escapeLine(): never script text
 *   [INPUT line when INPUT is 1]        the program's stdin, escaped the same way
 * The arguments are decoded with printf %b into "$@". argv is `env NAME=value...
 * program args...` (remoteArgv): the agent does what env(1) would, in the subshell that
 * runs the program, and then `exec`s it, so a request costs one fork and one exec (a
 * process start is what a remote request mostly costs). `exec` never runs a shell
 * builtin or function: a program called `exit` or `set` is just a missing program (127,
 * "exec: NAME: not found"). stdin is the request's input or empty (a program never reads
 * the agent's own stdin).
 * Output kept in a private file (mode f) is emptied afterwards with a builtin, not rm: a
 * process start less per request.
 *
 * Without timeout(1) a watchdog subshell sleeps beside the program. Once the program has
 * ended, the agent ends the watchdog with KILL, then its sleep by the pid the watchdog left
 * in a file (a sleep not yet written there just runs out: its output is /dev/null). A TERM
 * could be lost: a subshell just forked still has the agent's own TERM trap, and resetting
 * it drops a TERM caught in that moment (dash and bash alike), so the request waited out
 * its whole limit and was reported as timed out.
 *
 * The answer (agent -> client): the program's stdout bytes as they are, then
 * `NONCE:STATUS\n`, then at most 64 KiB of its stderr, then `NONCE;\n`. The nonce is 128
 * random bits chosen here per request and only ever held in the remote shell's memory
 * (printf is a builtin: it is in no process's argv), so a file or a program cannot
 * print it to end its answer early.
 */

/** What the remote side has; read once per session from its READY line. */
export interface RemoteCaps {
  /** coreutils `timeout` (coreutils >= 7, busybox): else the shell's own watchdog */
  timeout: boolean;
  /** `dd iflag=nofollow` (GNU coreutils >= 5.3): reads that never follow a final symlink */
  ddNoFollow: boolean;
  /** `dd status=none` (coreutils >= 8.20): else dd's counts are dropped here */
  ddStatusNone: boolean;
  /** GNU `find -printf` (listing and stat): busybox and BSD find lack it */
  findPrintf: boolean;
  /** `zcat -f` passes plain text through (gzip): the remote grep filter needs it */
  zcat: boolean;
  /** `grep -F -n -a` (GNU grep) */
  grep: boolean;
}

export interface AgentBanner {
  pid: number;
  uid: number;
  /** the remote zone's offset east of UTC now, in minutes (`date +%z`); null when unreadable */
  utcOffsetMinutes: number | null;
  caps: RemoteCaps;
}

export const STDERR_CAP_BYTES = 64 * 1024;

/**
 * The agent. `@BOOT@` is replaced by the per-session boot nonce (hex), the only value
 * ever put into this text; everything else arrives as data.
 */
const SCRIPT = String.raw`
umask 077
LC_ALL=C; LANG=C; export LC_ALL LANG
B=@BOOT@
d=
cleanup() { if [ -n "$d" ]; then rm -rf "$d"; fi; }
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 141' PIPE
trap 'exit 143' TERM
k=0
for base in "${'$'}{TMPDIR:-/tmp}" /tmp /var/tmp; do
  case $base in /*) ;; *) continue;; esac
  while [ $k -lt 20 ]; do
    k=$((k+1))
    if mkdir -m 700 "$base/spamtrace-agent.$$.$k" 2>/dev/null; then d="$base/spamtrace-agent.$$.$k"; break 2; fi
  done
done
if [ -z "$d" ]; then printf '%s FAIL no private temporary directory could be made\n' "$B"; exit 1; fi
caps=
if (timeout 5 true) >/dev/null 2>&1; then caps="$caps timeout"; TO=1; else TO=; fi
if dd if=/dev/null of=/dev/null iflag=nofollow count=0 >/dev/null 2>&1; then caps="$caps nofollow"; fi
if dd if=/dev/null of=/dev/null count=0 status=none >/dev/null 2>&1; then caps="$caps statusnone"; fi
if [ "$(find /dev/null -maxdepth 0 -printf 'ok' 2>/dev/null)" = ok ]; then caps="$caps findprintf"; fi
if [ "$(printf 'ok\n' | zcat -f 2>/dev/null)" = ok ]; then caps="$caps zcat"; fi
if [ "$(printf 'a\nok\n' | grep -a -n -F -e ok 2>/dev/null)" = 2:ok ]; then caps="$caps grep"; fi
u=$(id -u 2>/dev/null)
z=$(date +%z 2>/dev/null)
printf '%s READY %s %s %s%s\n' "$B" "$$" "${'$'}{u:-x}" "${'$'}{z:-x}" "$caps"
x() {
  if [ "$1" = env ]; then
    shift
    while :; do case $1 in [A-Za-z_]*=*) export "$1"; shift;; *) break;; esac; done
  fi
  if [ -n "$W" ]; then exec timeout -k 5 "$W" "$@"; fi
  exec "$@"
}
while IFS=' ' read -r n m t c i; do
  case $n in ST[0-9a-f]*) ;; *) exit 2;; esac
  case $c in ''|*[!0-9]*) exit 2;; esac
  case $t in ''|*[!0-9]*) exit 2;; esac
  set --
  k=0
  while [ $k -lt $c ]; do
    IFS= read -r a || exit 0
    case $a in *\\*) a=$(printf '%bx' "$a"); a=${'$'}{a%x};; esac
    set -- "$@" "$a"
    k=$((k+1))
  done
  : >"$d/in"
  if [ "$i" = 1 ]; then IFS= read -r a || exit 0; printf '%b' "$a" >"$d/in"; fi
  if [ "$m" = f ]; then exec 3>"$d/out"; else exec 3>&1; fi
  W=
  if [ "$t" = 0 ]; then
    ( x "$@" ) <"$d/in" >&3 2>"$d/err"; s=$?
  elif [ -n "$TO" ]; then
    W=$t
    ( x "$@" ) <"$d/in" >&3 2>"$d/err"; s=$?
  else
    rm -f "$d/to" "$d/sp"
    ( x "$@" ) <"$d/in" >&3 2>"$d/err" &
    p=$!
    ( sleep "$t" & echo $! >"$d/sp"; wait $!; : >"$d/to"; kill -TERM $p 2>/dev/null
      sleep 5; kill -KILL $p 2>/dev/null ) </dev/null >/dev/null 2>&1 &
    w=$!
    wait $p; s=$?
    kill -KILL $w 2>/dev/null; wait $w 2>/dev/null
    if [ -s "$d/sp" ]; then read sp <"$d/sp"; kill -TERM $sp 2>/dev/null; fi
    if [ -f "$d/to" ]; then s=124; fi
  fi
  exec 3>&-
  if [ "$m" = f ]; then cat "$d/out"; : >"$d/out"; fi
  printf '%s:%s\n' "$n" "$s"
  if [ -s "$d/err" ]; then dd if="$d/err" bs=${STDERR_CAP_BYTES} count=1 2>/dev/null; fi
  printf '%s;\n' "$n"
done
exit 0
`;

export function agentScript(bootNonce: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(bootNonce)) throw new RangeError('agentScript: the boot nonce must be hex');
  return SCRIPT.replace('@BOOT@', bootNonce).replace(/^\n/, '');
}

/** The one string ssh hands the remote login shell: the same words in every shell. */
export const AGENT_COMMAND = 'exec /bin/sh';

export class AgentProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentProtocolError';
  }
}

/**
 * One argument (or the input) as one line the agent decodes with printf %b: a
 * backslash becomes `\\`, every control character (newline included) `\0ooo`; other
 * bytes (UTF-8 too) pass as they are. NUL cannot be in an argv: refused, never cut.
 */
export function escapeLine(value: string, allowNul = false): string {
  if (!allowNul && value.includes('\0')) throw new AgentProtocolError('an argument for the remote command contains a NUL byte: refused');
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\\\x00-\x1f\x7f]/g, (c) => (c === '\\' ? '\\\\' : `\\0${c.charCodeAt(0).toString(8).padStart(3, '0')}`));
}

/**
 * Bytes (a file's content) as one line for printf %b: printable ASCII passes, a backslash
 * becomes `\\`, every other byte (control, NUL, >= 0x80) `\0ooo`, so any byte sequence
 * arrives as it was, whatever its encoding (a latin1 main.cf stays latin1).
 */
export function escapeBytes(bytes: Buffer): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b <= 0x7e && b !== 0x5c) continue;
    if (i > start) parts.push(bytes.toString('latin1', start, i));
    parts.push(b === 0x5c ? '\\\\' : `\\0${b.toString(8).padStart(3, '0')}`);
    start = i + 1;
  }
  if (start < bytes.length) parts.push(bytes.toString('latin1', start));
  return parts.join('');
}

export interface AgentRequest {
  nonce: string;
  /** the full argv: env/timeout wrappers already in front */
  argv: readonly string[];
  /** whole seconds; 0: no limit on the remote side */
  seconds: number;
  viaFile: boolean;
  /** a string goes as UTF-8; a Buffer byte for byte */
  input?: string | Buffer;
}

export function encodeRequest(r: AgentRequest): string {
  if (!/^ST[0-9a-f]{32}$/.test(r.nonce)) throw new AgentProtocolError('bad request nonce');
  if (r.argv.length === 0) throw new AgentProtocolError('an empty remote command');
  const seconds = Math.max(0, Math.ceil(r.seconds));
  const head = `${r.nonce} ${r.viaFile ? 'f' : 'p'} ${seconds} ${r.argv.length} ${r.input !== undefined ? 1 : 0}\n`;
  const args = r.argv.map((a) => `${escapeLine(a)}\n`).join('');
  const input = r.input === undefined ? '' : `${typeof r.input === 'string' ? escapeLine(r.input, true) : escapeBytes(r.input)}\n`;
  return head + args + input;
}

const CAP_WORDS: Record<string, keyof RemoteCaps> = {
  timeout: 'timeout',
  nofollow: 'ddNoFollow',
  statusnone: 'ddStatusNone',
  findprintf: 'findPrintf',
  zcat: 'zcat',
  grep: 'grep',
};

/** `BOOT READY pid uid +0100 cap...` (the words after the nonce) as a banner; null when it is not one. */
export function parseBanner(rest: string): AgentBanner | { failed: string } | null {
  const fail = /^FAIL (.*)$/.exec(rest);
  if (fail) return { failed: fail[1]!.slice(0, 300) };
  const m = /^READY (\d+) (\d+|x) ([+-]\d{4}|x)((?: [a-z]+)*)$/.exec(rest);
  if (!m) return null;
  const caps: RemoteCaps = { timeout: false, ddNoFollow: false, ddStatusNone: false, findPrintf: false, zcat: false, grep: false };
  for (const w of m[4]!.trim().split(' ')) {
    const k = CAP_WORDS[w];
    if (k) caps[k] = true;
  }
  let offset: number | null = null;
  const z = /^([+-])(\d\d)(\d\d)$/.exec(m[3]!);
  if (z) offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  return { pid: Number(m[1]), uid: m[2] === 'x' ? -1 : Number(m[2]), utcOffsetMinutes: offset, caps };
}
