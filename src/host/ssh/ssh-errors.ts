/**
 * What went wrong with the SSH connection itself (not with the remote program), sorted
 * into the few cases an admin acts on differently. ssh's own words are kept (cut, made
 * printable) so nothing is lost, but the message leads with what to do.
 */

export type SshFailureKind =
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'auth-refused'
  | 'unreachable'
  | 'timeout'
  | 'config'
  | 'connection-lost';

export class SshError extends Error {
  readonly kind: SshFailureKind;
  readonly alias: string;
  /** ssh's stderr, printable and cut */
  readonly sshSaid: string;

  constructor(kind: SshFailureKind, alias: string, message: string, sshSaid = '') {
    super(message);
    this.name = 'SshError';
    this.kind = kind;
    this.alias = alias;
    this.sshSaid = sshSaid;
  }
}

export function isSshError(e: unknown): e is SshError {
  return e instanceof SshError;
}

/** ssh's stderr as one printable line: control characters shown as \xNN, at most 400 chars. */
export function printableSsh(stderr: string): string {
  const text = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^@+$/.test(l))
    .join(' | ');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 400);
}

/**
 * Lines only ssh itself prints when it fails before or instead of running the command.
 * A remote program may exit 255 too: only these words make it a connection failure.
 */
const PATTERNS: Array<{ kind: SshFailureKind; re: RegExp; advice: string }> = [
  {
    kind: 'host-key-changed',
    re: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/,
    advice:
      'its host key has CHANGED since it was recorded in known_hosts: this host is not scanned. Someone may be intercepting the connection; if the server was reinstalled, verify the new key fingerprint and update known_hosts',
  },
  {
    kind: 'host-key-unknown',
    re: /No \S+ host key is known for|Host key verification failed/,
    advice: 'its host key is not in known_hosts (strict checking): connect once by hand, verify the fingerprint, and accept it',
  },
  {
    kind: 'auth-refused',
    re: /Permission denied \(|Too many authentication failures|no mutual signature|Load key .*: (?:bad permissions|invalid format)|identity file .* not accessible/,
    advice: 'the server refused our key (no password prompt is ever tried): check User and IdentityFile, and authorized_keys on the server',
  },
  {
    kind: 'timeout',
    re: /Connection timed out|Operation timed out|Timeout, server .* not responding/,
    advice: 'the connection timed out',
  },
  {
    kind: 'unreachable',
    re: /Connection refused|No route to host|Could not resolve hostname|Name or service not known|Network is unreachable|Connection reset by|Connection closed by .* port|kex_exchange_identification|banner exchange/,
    advice: 'the server cannot be reached (down, wrong HostName/Port, or a firewall)',
  },
  {
    kind: 'config',
    re: /Bad configuration option|Can't open user config file|Unsupported option|\.ssh\/config.*line \d+|terminating, \d+ bad configuration options/,
    advice: 'the SSH config is not usable',
  },
  {
    kind: 'connection-lost',
    re: /Broken pipe|Connection to .* closed by remote host|client_loop: send disconnect|mux_client_|Control socket connect|ssh: /,
    advice: 'the connection was lost',
  },
];

/** The SshError for ssh's stderr, or null when the words are not ssh's own. */
export function classifySshFailure(alias: string, stderr: string): SshError | null {
  for (const p of PATTERNS) {
    if (p.re.test(stderr)) {
      const said = printableSsh(stderr);
      return new SshError(p.kind, alias, `${alias}: ${p.advice} (ssh: ${said.replace(/^ssh: /, '')})`, said);
    }
  }
  return null;
}
