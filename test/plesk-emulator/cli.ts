/**
 * The Plesk command-line utilities the adapter calls, emulated over the emulator state.
 * Reached through `POST /cli/{id}/call {"params": [...]}` (REST API v2), which runs
 * `plesk bin {id} params...` and answers `{code, stdout, stderr}`.
 *
 * Utilities and options follow the Plesk CLI reference for Linux
 * (https://docs.plesk.com/en-US/obsidian/cli-linux/):
 * - domain ("domain: Domains"): `--info|-i NAME`
 * - subscription ("subscription: Subscriptions", using-command-line-utilities/subscription-subscriptions.37768/):
 *   `--list|-l`, `--info|-i NAME`,
 *   `--webspace-off NAME`, `--webspace-on NAME`
 * - customer ("customer: Customer Accounts"): `--info|-i LOGIN`
 * - mail ("mail: Mail Accounts"): `--update|-u ADDRESS` with `-outgoing-messages-mbox-limit
 *   N|default|unlimited` or `-passwd P`; `--info|-i ADDRESS`
 * - mailserver ("mailserver: Mail Server Settings"): `--info`; the label of its Outgoing Mail
 *   Control line ("Outgoing mail control: on|off") is *unconfirmed*, see README.md
 * `--info` prints `Key:   value` lines in sections, ending with a SUCCESS line. Failures
 * exit 1 with a one-line message on stderr; the wording is ours, in Plesk's style.
 */
import type { EmuDomain, PleskData } from './data';

export interface CliAnswer {
  code: number;
  stdout: string;
  stderr: string;
}

const ok = (stdout: string): CliAnswer => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string, code = 1): CliAnswer => ({ code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : stderr + '\n' });

function kv(key: string, value: string): string {
  return `${(key + ':').padEnd(40)}${value}\n`;
}

export class CliEmulator {
  private readonly byName: Map<string, EmuDomain>;
  private readonly byId: Map<number, EmuDomain>;

  // the domain list is fixed for an emulator's life (states change, entries do not)
  constructor(private readonly data: PleskData) {
    this.byName = new Map(data.domains.map((d) => [d.name, d]));
    this.byId = new Map(data.domains.map((d) => [d.id, d]));
  }

  private domainByName(name: string): EmuDomain | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The subscription (main domain) a domain belongs to. */
  rootOf(d: EmuDomain): EmuDomain {
    let cur = d;
    for (let i = 0; i < 16 && cur.base_domain_id !== 0; i++) {
      const parent = this.byId.get(cur.base_domain_id);
      if (!parent) break;
      cur = parent;
    }
    return cur;
  }

  /** Suspension is a subscription property: its domains show the subscription's status. */
  statusOf(d: EmuDomain): 'active' | 'suspended' {
    return this.rootOf(d).status === 'suspended' ? 'suspended' : d.status;
  }

  call(utility: string, params: readonly string[]): CliAnswer | null {
    switch (utility) {
      case 'domain':
        return this.domain(params);
      case 'subscription':
        return this.subscription(params);
      case 'customer':
        return this.customer(params);
      case 'mail':
        return this.mail(params);
      case 'mailserver':
        if (params[0] === '--info' && params.length === 1) return ok(kv('Outgoing mail control', this.data.outgoingMailControl ? 'on' : 'off') + 'SUCCESS: Gathering of information is complete\n');
        return fail('Unknown command or option');
      default:
        return null; // the API answers 404 for an unknown utility id
    }
  }

  private domain(params: readonly string[]): CliAnswer {
    const [cmd, name] = params;
    if ((cmd === '--info' || cmd === '-i') && name) {
      const d = this.domainByName(name);
      if (!d) return fail(`Unable to find domain ${name}: Domain does not exist`);
      return ok(this.info(d));
    }
    return fail(`Unknown command or option: ${cmd ?? ''}`);
  }

  info(d: EmuDomain): string {
    const root = this.rootOf(d);
    const owner = this.data.clients.find((c) => c.id === root.ownerId)!;
    const suspended = this.statusOf(d) === 'suspended';
    const boxes = this.data.mailboxes.filter((m) => m.domainId === d.id).length;
    return (
      'General\n=============================\n' +
      kv('Domain name', d.name) +
      kv("Owner's contact name", `${owner.name} (${owner.login})`) +
      kv('Domain status', suspended ? 'Suspended by administrator' : 'OK') +
      kv('Creation date', 'Mar 1, 2024') +
      kv('Total size of backup files in local storage', '0 B') +
      kv('Traffic', '0 B/Month') +
      kv('Total mailboxes', String(boxes)) +
      '\nHosting\n=============================\n' +
      kv('Hosting type', 'Physical hosting') +
      kv('IP Address', '192.0.2.10') +
      kv('FTP Login', root.sysUser ?? '') +
      kv('Disk space used by httpdocs', '3.92 MB') +
      `\nSUCCESS: Gathering information for '${d.name}' complete\n`
    );
  }

  private subscription(params: readonly string[]): CliAnswer {
    const [cmd, name] = params;
    if (cmd === '--list' || cmd === '-l') {
      return ok(this.data.domains.filter((d) => d.base_domain_id === 0).map((d) => d.name + '\n').join(''));
    }
    if (cmd === '--info' || cmd === '-i' || cmd === '--webspace-off' || cmd === '--webspace-on') {
      if (!name) return fail(`Missing subscription name for ${cmd}`);
      const d = this.domainByName(name);
      if (!d || d.base_domain_id !== 0) return fail(`Unable to find subscription ${name}: Subscription does not exist`);
      if (cmd === '--info' || cmd === '-i') return ok(this.info(d));
      d.status = cmd === '--webspace-off' ? 'suspended' : 'active';
      return ok(`SUCCESS: Update of subscription '${d.name}' completed.\n`);
    }
    return fail(`Unknown command or option: ${cmd ?? ''}`);
  }

  private customer(params: readonly string[]): CliAnswer {
    const [cmd, login] = params;
    if ((cmd === '--info' || cmd === '-i') && login) {
      const c = this.data.clients.find((x) => x.login === login && x.type !== 'admin');
      if (!c) return fail(`Unable to find customer ${login}: Customer does not exist`);
      return ok(kv('Company name', c.company) + kv('Contact name', c.name) + kv('Login', c.login) + kv('E-mail', c.email) + `\nSUCCESS: Gathering information for '${c.login}' complete\n`);
    }
    return fail(`Unknown command or option: ${cmd ?? ''}`);
  }

  private mail(params: readonly string[]): CliAnswer {
    const [cmd, address, ...opts] = params;
    if (!address) return fail(`Missing mail name for ${cmd ?? ''}`);
    const box = this.data.mailboxes.find((m) => m.address === address.toLowerCase());
    if (cmd === '--info' || cmd === '-i') {
      if (!box) return fail(`Unable to find mail name ${address}: Mail name does not exist`);
      return ok(kv('Mailname', box.address) + kv('Outgoing messages limit', box.outgoingLimit) + `\nSUCCESS: Gathering information for '${box.address}' complete\n`);
    }
    if (cmd !== '--update' && cmd !== '-u') return fail(`Unknown command or option: ${cmd ?? ''}`);
    if (!box) return fail(`Unable to update mail name ${address}: Mail name does not exist`);
    const changes: Array<() => void> = [];
    for (let i = 0; i < opts.length; i += 2) {
      const opt = opts[i]!;
      const value = opts[i + 1];
      if (value === undefined) return fail(`Option ${opt} requires a value`);
      if (opt === '-outgoing-messages-mbox-limit') {
        if (!/^(\d{1,9}|default|unlimited)$/.test(value)) return fail(`Invalid value of option -outgoing-messages-mbox-limit: '${value}'`);
        changes.push(() => (box.outgoingLimit = value));
      } else if (opt === '-passwd') {
        if (value.length < 5) return fail('Unable to update mail name: The password is too short. It should be between 5 and 255 symbols.');
        changes.push(() => (box.password = value));
      } else return fail(`Unknown option: ${opt}`);
    }
    for (const c of changes) c();
    return ok(`SUCCESS: Update of mail name '${box.address}' completed.\n`);
  }
}
