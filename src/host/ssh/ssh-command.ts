/**
 * The ssh command lines: fixed safety options that a user config cannot weaken (the
 * first value ssh sees wins, and command-line -o comes first), the private control
 * socket. The remote side gets its argument arrays as data through the agent
 * (agent-script.ts), never as a command string.
 */

export interface SshCommandSettings {
  configPath: string;
  controlDir: string;
  connectTimeoutSeconds: number;
}

/** Options for every ssh process of a host (master, sessions, -O exit). */
export function baseSshArgs(s: SshCommandSettings): string[] {
  return [
    '-F', s.configPath,
    '-o', 'BatchMode=yes', // never a password or passphrase prompt
    '-o', 'StrictHostKeyChecking=yes', // unknown or changed key: refuse
    '-o', 'UpdateHostKeys=no',
    '-o', 'PasswordAuthentication=no',
    '-o', 'KbdInteractiveAuthentication=no',
    '-o', `ConnectTimeout=${s.connectTimeoutSeconds}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'LogLevel=ERROR', // ssh's notices would mix into the remote program's stderr
    '-o', 'ForwardAgent=no',
    '-o', 'ClearAllForwardings=yes',
    // ssh expands %-tokens in ControlPath: a literal % in the directory must be doubled
    '-o', `ControlPath=${s.controlDir.replace(/%/g, '%%')}/%C`,
  ];
}

/** An alias reaches ssh as an argument: nothing that ssh could read as an option or a second word. */
export function validAlias(alias: string): boolean {
  return /^[A-Za-z0-9_.][A-Za-z0-9_.@:%+-]*$/.test(alias) && alias.length <= 255;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `env LC_ALL=C LANG=C [NAME=value...] program args...`: the argv the agent runs. env(1)
 * in front means the program is looked up in PATH and never taken for a shell builtin or
 * function of the agent (a program called `exit` or `set` is just a missing program).
 */
export function remoteArgv(program: string, args: readonly string[], env: Record<string, string> = {}): string[] {
  if (program === '' || program.startsWith('-') || program.includes('=')) {
    throw new RangeError(`not a program name for the remote side: ${JSON.stringify(program.slice(0, 80))}`);
  }
  const vars = ['LC_ALL=C', 'LANG=C'];
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k)) throw new RangeError(`not an environment variable name: ${JSON.stringify(k.slice(0, 80))}`);
    vars.push(`${k}=${v}`);
  }
  return ['env', ...vars, program, ...args];
}
