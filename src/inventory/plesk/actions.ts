/**
 * Plesk's own means of containment, for src/act/: suspend and reactivate a subscription,
 * stop a mailbox from sending (outgoing limit 0) and give it back its limit, change a
 * mailbox password.
 *
 * - Suspend/reactivate: `subscription --webspace-off|--webspace-on NAME` ("subscription:
 *   Subscriptions", https://docs.plesk.com/en-US/obsidian/cli-linux/using-command-line-utilities/subscription-subscriptions.37768/),
 *   through the API's `/cli/subscription/call` or the local `plesk bin`. Not
 *   `PUT /domains/{id}/status`: the REST reference does not say what that suspends (the
 *   domain, or the whole subscription with its mail and FTP), and a half-suspended
 *   subscription keeps sending. The status is read back with `GET /domains/{id}/status`.
 * - Mailboxes: `mail --update ADDRESS -outgoing-messages-mbox-limit N|default|unlimited`
 *   and `mail --update ADDRESS -passwd P` ("mail: Mail Accounts", Plesk CLI reference),
 *   through `/cli/mail/call` or the local CLI. Locally the password goes in the
 *   PSA_PASSWORD environment variable with an empty `-passwd ''`, as the CLI reference
 *   recommends, so it never shows in the process list.
 *
 * Every answer is checked: HTTP status, the CLI `code`, and `stderr` (a zero exit with
 * stderr text is returned as a warning). Failures are PleskErrors carrying Plesk's own
 * text. The password is never logged and is masked out of any text we pass on.
 */
import type { Logger } from '../../log';
import { silentLogger } from '../../log';
import type { CliResult } from './api-shapes';
import type { PleskCliRunner } from './cli-runner';
import { PleskError, isPleskError, oneLine } from './errors';
import type { CliCommand, PleskRestClient } from './rest-client';

export interface PleskTarget {
  /** Plesk domain id of the subscription's main domain (Subscription.id from the API source) */
  id?: string | number;
  /** the subscription's main domain name */
  name: string;
}

export interface ActionOutcome {
  via: 'api' | 'api-cli' | 'cli';
  /** stderr Plesk printed on success, and fallbacks taken */
  warnings: string[];
}

/** A number of messages per hour, or back to the inherited value, or no limit. */
export type OutgoingLimit = number | 'default' | 'unlimited';

export interface PleskActionsOptions {
  api?: PleskRestClient;
  /** the local plesk program; used when the API is absent, unreachable or refuses the key */
  cli?: PleskCliRunner;
  logger?: Logger;
}

const ADDRESS_RE = /^[A-Za-z0-9._%+=~!#$&'*/?^`{|}-]{1,64}@[A-Za-z0-9.-]{1,253}$/;
const NAME_RE = /^[a-z0-9][a-z0-9.-]{0,252}$/i;

function checkName(name: string): void {
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw new PleskError('E_PLESK_CLI', 'rejected', `not a domain name: ${JSON.stringify(oneLine(name, 80))}`, '');
  }
}

function checkAddress(address: string): void {
  if (!ADDRESS_RE.test(address) || address.startsWith('-')) {
    throw new PleskError('E_PLESK_CLI', 'rejected', `not a mailbox address: ${JSON.stringify(oneLine(address, 80))}`, '');
  }
}

function mask(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

export class PleskActions {
  private readonly logger: Logger;

  constructor(private readonly options: PleskActionsOptions) {
    this.logger = options.logger ?? silentLogger();
    if (!options.api && !options.cli) {
      throw new PleskError('E_PLESK_CONFIG', 'rejected', 'Plesk actions need the REST API or the local plesk program', '');
    }
  }

  suspendSubscription(target: PleskTarget): Promise<ActionOutcome> {
    return this.setStatus(target, 'suspended');
  }

  reactivateSubscription(target: PleskTarget): Promise<ActionOutcome> {
    return this.setStatus(target, 'active');
  }

  /** `GET /domains/{id}/status` → "active", "suspended", ... (to verify an action). */
  async subscriptionStatus(target: PleskTarget): Promise<string> {
    const api = this.options.api;
    const id = this.domainId(target);
    if (!api || id === null) throw new PleskError('E_PLESK_API', 'rejected', `reading the status of ${target.name} needs the REST API and the domain id`, '');
    const body = await api.request('GET', `domains/${id}/status`);
    const status = typeof body === 'object' && body !== null ? (body as { status?: unknown }).status : undefined;
    if (typeof status !== 'string') throw new PleskError('E_PLESK_API', 'bad-response', `Plesk API GET /domains/${id}/status did not answer {status}`, '');
    return status;
  }

  async setMailboxOutgoingLimit(address: string, limit: OutgoingLimit): Promise<ActionOutcome> {
    checkAddress(address);
    if (typeof limit === 'number' && !(Number.isSafeInteger(limit) && limit >= 0)) {
      throw new PleskError('E_PLESK_CLI', 'rejected', `an outgoing limit must be a whole number >= 0, "default" or "unlimited" (got ${limit})`, '');
    }
    if (typeof limit !== 'number' && limit !== 'default' && limit !== 'unlimited') {
      throw new PleskError('E_PLESK_CLI', 'rejected', 'an outgoing limit must be a whole number >= 0, "default" or "unlimited"', '');
    }
    this.logger.info('plesk: setting mailbox outgoing limit', { code: 'PLESK_MAILBOX_LIMIT', address, limit });
    return this.cli('mail', ['--update', address, '-outgoing-messages-mbox-limit', String(limit)]);
  }

  /**
   * Whether Plesk's Outgoing Mail Control is on: a mailbox's outgoing limit is only
   * enforced when it is (Plesk's "Outgoing Mail Control" settings). Read from
   * `mailserver --info`; the label of that line is not documented, so a line naming
   * outgoing mail/messages with a control/limit/antispam word and an on/off value is
   * taken, and anything else (or a failing call) is null: unknown, which the plan says.
   */
  async outgoingMailControl(): Promise<boolean | null> {
    let r: CliResult;
    try {
      r = await this.run('mailserver', ['--info']);
    } catch (e) {
      if (isPleskError(e)) return null;
      throw e;
    }
    if (r.code !== 0) return null;
    const m = /^[^:\n]*outgoing[^:\n]*(?:control|limit|antispam)[^:\n]*:[ \t]*(\S+)[ \t]*$/im.exec(r.stdout);
    const v = m?.[1]?.toLowerCase();
    if (v === undefined) return null;
    if (['on', 'true', 'enabled', 'yes'].includes(v)) return true;
    if (['off', 'false', 'disabled', 'no'].includes(v)) return false;
    return null;
  }

  /**
   * The mailbox's current outgoing limit from `mail --info ADDRESS`, to record before
   * setting 0 so undo can restore it. The label of that line is not documented; we read
   * a `...outgoing...limit...: VALUE` line and return null when there is none (then
   * "default", the inherited value, is the safe undo).
   */
  async mailboxOutgoingLimit(address: string): Promise<OutgoingLimit | null> {
    checkAddress(address);
    const r = await this.run('mail', ['--info', address]);
    this.check('mail', ['--info', address], r);
    const m = /^[^:\n]*outgoing[^:\n]*limit[^:\n]*:[ \t]*(\S+)[ \t]*$/im.exec(r.stdout);
    if (!m) return null;
    const v = m[1]!.toLowerCase();
    if (/^\d{1,9}$/.test(v)) return Number(v);
    return v === 'default' || v === 'unlimited' ? v : null;
  }

  async setMailboxPassword(address: string, password: string): Promise<ActionOutcome> {
    checkAddress(address);
    if (password.length === 0 || password.length > 255 || /[\u0000\r\n]/.test(password)) {
      throw new PleskError('E_PLESK_CLI', 'rejected', 'the new mailbox password must be 1-255 characters without line breaks or NUL', '');
    }
    this.logger.info('plesk: changing mailbox password', { code: 'PLESK_MAILBOX_PASSWORD', address }); // never the password
    return this.cli('mail', ['--update', address, '-passwd', password], password);
  }

  private domainId(target: PleskTarget): number | null {
    if (target.id === undefined) return null;
    const s = String(target.id);
    return /^\d{1,10}$/.test(s) ? Number(s) : null;
  }

  private async setStatus(target: PleskTarget, status: 'suspended' | 'active'): Promise<ActionOutcome> {
    checkName(target.name);
    const flag = status === 'suspended' ? '--webspace-off' : '--webspace-on';
    this.logger.info('plesk: changing subscription status', { code: 'PLESK_SUBSCRIPTION_STATUS', subscription: target.name, status });
    return this.cli('subscription', [flag, target.name]);
  }

  private canFallBack(e: PleskError): boolean {
    return !!this.options.cli && (e.failure === 'auth' || e.failure === 'unreachable');
  }

  /** A read-only CLI call, API first, local program when the API is not usable. */
  private async run(command: CliCommand, params: string[]): Promise<CliResult> {
    const api = this.options.api;
    if (api) {
      try {
        return await api.cli(command, params);
      } catch (e) {
        if (!isPleskError(e) || !this.canFallBack(e)) throw e;
      }
    }
    const cli = this.options.cli;
    if (!cli) throw new PleskError('E_PLESK_CLI', 'unreachable', 'the local plesk program is not configured', '');
    return cli.run(command, params);
  }

  /** A CLI utility through the API's /cli/{id}/call, or locally when the API is not usable. */
  private async cli(command: CliCommand, params: string[], secret?: string): Promise<ActionOutcome> {
    const api = this.options.api;
    if (api) {
      try {
        const r = await api.cli(command, params);
        return { via: 'api-cli', warnings: this.check(command, params, r, secret) };
      } catch (e) {
        if (!isPleskError(e) || e.failure === 'cli-exit' || !this.canFallBack(e)) throw e;
        const out = await this.localCli(command, params, secret);
        return { ...out, warnings: [`Plesk API unusable (${e.message}); used the local plesk CLI`, ...out.warnings] };
      }
    }
    return this.localCli(command, params, secret);
  }

  private async localCli(command: CliCommand, params: string[], secret?: string): Promise<ActionOutcome> {
    const cli = this.options.cli;
    if (!cli) throw new PleskError('E_PLESK_CLI', 'unreachable', 'the local plesk program is not configured', '');
    let argv = params;
    let env: Record<string, string> | undefined;
    if (secret !== undefined) {
      // documented for the Plesk CLI: an empty -passwd value takes PSA_PASSWORD
      argv = params.map((p) => (p === secret ? '' : p));
      env = { PSA_PASSWORD: secret };
    }
    const r = await cli.run(command, argv, env);
    return { via: 'cli', warnings: this.check(command, params, r, secret) };
  }

  /** Throws on a non-zero exit with Plesk's words; returns stderr of a success as warnings. */
  private check(command: CliCommand, params: string[], r: CliResult, secret?: string): string[] {
    const shown = `${command} ${params[0] ?? ''} ${params[1] ?? ''}`.trim();
    const said = oneLine(mask(r.stderr.trim() || r.stdout.trim(), secret), 500);
    if (r.code !== 0) {
      this.logger.warn('plesk: command failed', { code: 'PLESK_COMMAND_FAILED', command: shown, exitCode: r.code, stderr: said });
      throw new PleskError('E_PLESK_CLI', 'cli-exit', `plesk ${shown} failed (exit ${r.code}): ${said || 'no message'}`, said);
    }
    const warn = oneLine(mask(r.stderr, secret), 500);
    return warn ? [`plesk ${shown}: ${warn}`] : [];
  }
}
