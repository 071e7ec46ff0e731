/**
 * What the admin's SSH config says about an alias, read with `ssh-config`: for validation
 * ("is this alias there at all?") and for the report ("mail1 = root@10.0.0.2:22 via
 * jump"). ssh itself applies the config (-F); nothing here changes how it connects.
 * `Match exec` is never evaluated: reading a config must not run its commands.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { SshError } from './ssh-errors';

export interface SshTarget {
  alias: string;
  hostName: string;
  user: string | null;
  port: number;
  identityFiles: string[];
  proxyJump: string | null;
  /** false when only `Host *` (or nothing) matches the alias: likely a typo */
  declared: boolean;
}

export function defaultSshConfigPath(): string {
  return join(os.homedir(), '.ssh', 'config');
}

export class SshConfigFile {
  private constructor(
    readonly path: string,
    private readonly parsed: SSHConfig,
  ) {}

  static async load(path: string): Promise<SshConfigFile> {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (e) {
      throw new SshError('config', '*', `the SSH config ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      return new SshConfigFile(path, SSHConfig.parse(text));
    } catch (e) {
      throw new SshError('config', '*', `the SSH config ${path} could not be parsed: ${(e as Error).message}`);
    }
  }

  /** Aliases named literally in Host lines (no wildcards, no negations), in file order. */
  aliases(): string[] {
    const out: string[] = [];
    for (const line of this.parsed) {
      if (line.type !== SSHConfig.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
      const values = typeof line.value === 'string' ? line.value.split(/\s+/) : line.value.map((v) => v.val);
      for (const v of values) if (v && !/[*?!]/.test(v) && !out.includes(v)) out.push(v);
    }
    return out;
  }

  /** Every pattern of every Host line (negations left out). */
  private hostPatterns(): string[] {
    const out: string[] = [];
    for (const line of this.parsed) {
      if (line.type !== SSHConfig.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
      const values = typeof line.value === 'string' ? line.value.split(/\s+/) : line.value.map((v) => v.val);
      for (const v of values) if (v && !v.startsWith('!')) out.push(v);
    }
    return out;
  }

  target(alias: string): SshTarget {
    const c = this.parsed.compute(alias, { ignoreCase: true, matchExec: false });
    const one = (k: string): string | null => {
      const v = c[k];
      if (v === undefined) return null;
      return Array.isArray(v) ? (v[0] ?? null) : v;
    };
    const many = (k: string): string[] => {
      const v = c[k];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    };
    const port = Number(one('port') ?? 22);
    return {
      alias,
      hostName: one('hostname') ?? alias,
      user: one('user'),
      port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
      identityFiles: many('identityfile'),
      proxyJump: one('proxyjump'),
      declared: this.hostPatterns().some((p) => p !== '*' && globMatch(p, alias)),
    };
  }
}

/** ssh_config patterns: `*` any run of characters, `?` one character, case-insensitive. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** "root@10.0.0.2:22 via jump" for reports. */
export function describeTarget(t: SshTarget): string {
  return `${t.user ? `${t.user}@` : ''}${t.hostName}:${t.port}${t.proxyJump ? ` via ${t.proxyJump}` : ''}`;
}
