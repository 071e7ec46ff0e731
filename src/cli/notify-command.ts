/**
 * `spamtrace notify preview|send|list|approve|reject|retry`: customer notices.
 * preview renders without touching the store or the network; send enqueues a report's
 * notices by policy and delivers what is due; list shows the outbox.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { SpamtraceError } from '../errors';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import type { Report, ReportSource } from '../domain/report';
import { parseStaticInventory } from '../inventory/static/static-file';
import { openStore, type Store } from '../store/open-store';
import { listNotices, NOTICE_STATES, type NoticeRow, type NoticeState } from '../store/notices';
import { terminalSafe } from '../terminal-safe';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig } from '../notify/notify-config';
import { loadNotifyConfig, resolveNotifyConfigPath } from '../notify/load-notify-config';
import { contactsFromInventory, contactsFromReport, type ContactLookup } from '../notify/contacts';
import { buildNoticeModel, pickLocale, type HosterAction, type NoticeLocale } from '../notify/notice-model';
import { renderNotice } from '../notify/render-notice';
import { enqueueReport } from '../notify/enqueue-notices';
import { deliverDue } from '../notify/deliver-notices';
import { createTransport } from '../notify/create-transport';
import { approveNotice, rejectNotice, retryNotice } from '../notify/review-notices';
import { readActionsFile, readReportFile } from '../notify/report-file';
import type { NoticeTransport } from '../notify/transport';

export const NOTIFY_HELP = `Usage: spamtrace notify <command> [options]

  preview --report FILE [--source ID] [--lang de|en|both] [--format text|html|both]
          render the notice for one source of a saved "spamtrace scan --json"
          report (default language: the customer's); sends nothing, stores nothing
  send    [--report FILE] [--no-deliver]
          enqueue the report's notices by policy (spam at or above the automatic
          score: queued; the rest the policy names: awaiting approval; normal:
          never), then deliver everything due. The same finding is never queued
          twice for the same recipient, across scans and processes.
  list    [--state STATE[,STATE]] [--limit N] [--json]
          the outbox: id, state, attempts, recipient, last error
  approve ID | reject ID | retry ID
          approve a notice awaiting approval, reject it, or send a failed or
          unconfirmed notice again

Options:
  --notify-config FILE  notice settings (else $SPAMTRACE_NOTIFY_CONFIG, else
                        /etc/spamtrace/notify.json); send needs it
  --config FILE         main config; its store.path is the outbox (else --store)
  --store FILE          SQLite store file
  --inventory FILE      static inventory file with customer locale and reseller
                        email, when the report lacks them
  --actions FILE        what was already done, per source id:
                        {"uid:4079":[{"kind":"held-mail","count":412}]}
                        kinds: held-mail, blocked-submission, blocked-login,
                        quarantined-file, other (with "text")

States: queued, sending, sent, failed-temporary (retried with backoff),
failed-permanent (5xx, bad address, gave up), awaiting-approval, rejected,
unconfirmed (the sender stopped after handing it to the mail server; not
resent automatically; retry ID sends it anyway).

Exit: 0 done, 1 some notice needs the admin (failed-permanent or unconfirmed in
this run), 2 error.
`;

export interface NotifyCommandIo {
  stdout: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** tests pass a transport; default: the configured one */
  transport?: NoticeTransport;
}

const OPTIONS = {
  report: { type: 'string' },
  source: { type: 'string' },
  lang: { type: 'string' },
  format: { type: 'string' },
  'notify-config': { type: 'string' },
  config: { type: 'string' },
  store: { type: 'string' },
  inventory: { type: 'string' },
  actions: { type: 'string' },
  'no-deliver': { type: 'boolean' },
  state: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `notify: ${(e as Error).message}`);
  }
}

export async function notifyCommand(argv: string[], io: NotifyCommandIo = { stdout: process.stdout, env: process.env }): Promise<number> {
  const { values, positionals } = parse(argv);
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help' || sub === undefined) {
    io.stdout.write(NOTIFY_HELP);
    return sub === undefined && !values.help ? 2 : 0;
  }
  switch (sub) {
    case 'preview':
      noExtra(sub, rest);
      return preview(values, io);
    case 'send':
      noExtra(sub, rest);
      return send(values, io);
    case 'list':
      noExtra(sub, rest);
      return list(values, io);
    case 'approve':
    case 'reject':
    case 'retry':
      return review(sub, rest, values, io);
    default:
      throw new SpamtraceError('E_USAGE', `notify: unknown command "${terminalSafe(sub, 40)}" (see spamtrace notify --help)`);
  }
}

function noExtra(sub: string, rest: string[]): void {
  if (rest.length) throw new SpamtraceError('E_USAGE', `notify ${sub}: unexpected "${terminalSafe(rest.join(' '), 60)}"`);
}

function actor(env: NodeJS.ProcessEnv): string {
  return env.SUDO_USER || safeUser();
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

function notifyConfig(values: Values, io: NotifyCommandIo, required: boolean): NotifyConfig {
  const cfg = loadNotifyConfig(resolveNotifyConfigPath(values['notify-config'], io.env));
  if (cfg) return cfg;
  if (required) {
    throw new SpamtraceError('E_CONFIG', 'notify: no notify config; write /etc/spamtrace/notify.json (at least "from" and "transport") or pass --notify-config FILE');
  }
  return DEFAULT_NOTIFY_CONFIG;
}

function openOutbox(values: Values, io: NotifyCommandIo): Store {
  const path = values.store ?? loadConfig(resolveConfigPath(values.config, io.env)).config.store.path;
  return openStore(path);
}

function contactLookup(values: Values): ContactLookup {
  if (!values.inventory) return contactsFromReport;
  let text: string;
  try {
    text = readFileSync(values.inventory, 'utf8');
  } catch (e) {
    throw new SpamtraceError('E_INVENTORY_FILE', `--inventory ${values.inventory}: ${(e as Error).message}`);
  }
  return contactsFromInventory(parseStaticInventory(text, values.inventory));
}

function actionsFor(values: Values): (s: ReportSource) => HosterAction[] {
  const byId = values.actions ? readActionsFile(values.actions) : {};
  return (s) => byId[s.id] ?? [];
}

function preview(values: Values, io: NotifyCommandIo): number {
  if (!values.report) throw new SpamtraceError('E_USAGE', 'notify preview: --report FILE is required');
  const report = readReportFile(values.report);
  const source = pickSource(report, values.source);
  const config = notifyConfig(values, io, false);
  const contacts = contactLookup(values)(source);
  const lang = values.lang ?? 'customer';
  if (!['de', 'en', 'both', 'customer'].includes(lang)) throw new SpamtraceError('E_USAGE', 'notify preview: --lang must be de, en or both');
  const format = values.format ?? 'text';
  if (!['text', 'html', 'both'].includes(format)) throw new SpamtraceError('E_USAGE', 'notify preview: --format must be text, html or both');
  const locales: NoticeLocale[] =
    lang === 'both' ? ['de', 'en'] : lang === 'customer' ? [pickLocale(contacts.customer?.locale ?? config.defaultLocale)] : [lang as NoticeLocale];
  const actions = actionsFor(values)(source);
  for (const locale of locales) {
    const r = renderNotice(buildNoticeModel({ source, host: report.host, locale, hosterName: config.hosterName, actions }));
    io.stdout.write(`----- ${locale} -----\nTo: ${contacts.customer?.email ?? '(no address known)'}\nSubject: ${r.subject}\n\n`);
    if (format !== 'html') io.stdout.write(r.text);
    if (format !== 'text') io.stdout.write(`${format === 'both' ? '\n' : ''}${r.html}\n`);
  }
  return 0;
}

function pickSource(report: Report, id: string | undefined): ReportSource {
  if (id !== undefined) {
    const s = report.sources.find((x) => x.id === id);
    if (!s) throw new SpamtraceError('E_USAGE', `notify preview: no source "${terminalSafe(id, 100)}" in the report; sources: ${ids(report)}`);
    return s;
  }
  const candidates = report.sources.filter((s) => s.verdict !== 'normal');
  if (candidates.length === 1) return candidates[0]!;
  throw new SpamtraceError('E_USAGE', `notify preview: name a source with --source ID; sources: ${ids(report)}`);
}

function ids(report: Report): string {
  return report.sources.map((s) => `${terminalSafe(s.id, 80)} (${s.verdict})`).join(', ') || '(none)';
}

async function send(values: Values, io: NotifyCommandIo): Promise<number> {
  const config = notifyConfig(values, io, true);
  const report = values.report ? readReportFile(values.report) : null;
  const store = openOutbox(values, io);
  const who = actor(io.env);
  let needsAdmin = false;
  try {
    if (report) {
      const outcomes = enqueueReport(store, report, { config, contacts: contactLookup(values), actions: actionsFor(values), actor: who });
      for (const o of outcomes) {
        if (!o.notices.length) {
          io.stdout.write(`${terminalSafe(o.sourceId, 80)}: no notice (${o.reason})\n`);
          continue;
        }
        for (const n of o.notices) {
          io.stdout.write(`${terminalSafe(o.sourceId, 80)}: notice ${n.id} to ${terminalSafe(n.recipient || '(none)', 100)} (${n.role}): ${n.state}${n.inserted ? '' : ' (already in the outbox)'}${n.note ? ` - ${terminalSafe(n.note, 200)}` : ''}\n`);
          if (n.inserted && n.state === 'failed-permanent') needsAdmin = true;
        }
      }
    }
    if (!values['no-deliver']) {
      const transport = io.transport ?? createTransport(config);
      const summary = await deliverDue(store, { config, transport, actor: who });
      for (const id of summary.recovered.requeued) io.stdout.write(`notice ${id}: the previous sender stopped before handing it over; queued again\n`);
      for (const id of summary.recovered.unconfirmed) {
        io.stdout.write(`notice ${id}: unconfirmed: the previous sender stopped after handing it over; not resent (retry ${id} to send anyway)\n`);
        needsAdmin = true;
      }
      for (const r of summary.results) {
        const detail = r.state === 'sent' ? r.response : r.error && r.response ? `${r.error} (${r.response})` : r.error ?? r.response;
        io.stdout.write(`notice ${r.id} to ${terminalSafe(r.recipient, 100)}: ${r.state}${detail ? ` - ${terminalSafe(detail, 300)}` : ''}\n`);
        if (r.state === 'failed-permanent') needsAdmin = true;
      }
      if (!summary.results.length) io.stdout.write(`nothing due to send (${transport.description})\n`);
    }
  } finally {
    store.close();
  }
  return needsAdmin ? 1 : 0;
}

function list(values: Values, io: NotifyCommandIo): number {
  const states = values.state ? values.state.split(',').map((s) => s.trim()) : [];
  const bad = states.filter((s) => !(NOTICE_STATES as readonly string[]).includes(s));
  if (bad.length) throw new SpamtraceError('E_USAGE', `notify list: unknown state ${terminalSafe(bad.join(', '), 80)}; states: ${NOTICE_STATES.join(', ')}`);
  const limit = values.limit === undefined ? 200 : Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new SpamtraceError('E_USAGE', 'notify list: --limit must be a positive whole number');
  const store = openOutbox(values, io);
  try {
    const rows = listNotices(store, { states: states as NoticeState[], limit });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(rows.map(publicRow), null, 2)}\n`);
      return 0;
    }
    if (!rows.length) {
      io.stdout.write('the outbox is empty\n');
      return 0;
    }
    for (const r of rows) io.stdout.write(`${listLine(r)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

function publicRow(r: NoticeRow): Record<string, unknown> {
  return {
    id: r.id,
    state: r.state,
    reason: r.state_reason,
    recipient: r.recipient,
    role: r.role,
    customer: r.customer,
    locale: r.locale,
    subject: r.subject,
    messageId: r.message_id,
    attempts: r.attempts,
    nextAttemptAt: r.state === 'failed-temporary' || r.state === 'queued' ? iso(r.next_attempt_at) : null,
    lastError: r.last_error,
    smtpResponse: r.smtp_response,
    createdAt: iso(r.created_at),
    sentAt: r.sent_at ? iso(r.sent_at) : null,
    fingerprint: r.fingerprint,
  };
}

function listLine(r: NoticeRow): string {
  const when =
    r.state === 'sent' && r.sent_at ? `sent ${iso(r.sent_at)}` : r.state === 'failed-temporary' ? `next try ${iso(r.next_attempt_at)}` : `created ${iso(r.created_at)}`;
  const why = r.last_error ?? r.state_reason;
  return [
    String(r.id).padStart(5),
    r.state.padEnd(17),
    `${r.attempts}x`,
    terminalSafe(r.recipient || '(none)', 60),
    `${r.role}/${r.locale}`,
    when,
    r.message_id,
    why ? `- ${terminalSafe(why, 200)}` : '',
  ]
    .join('  ')
    .trimEnd();
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function review(sub: 'approve' | 'reject' | 'retry', rest: string[], values: Values, io: NotifyCommandIo): Promise<number> {
  if (rest.length !== 1 || !/^\d{1,12}$/.test(rest[0]!)) throw new SpamtraceError('E_USAGE', `notify ${sub}: expected one notice id (see spamtrace notify list)`);
  const id = Number(rest[0]);
  const store = openOutbox(values, io);
  try {
    const who = actor(io.env);
    const r = sub === 'approve' ? approveNotice(store, id, who) : sub === 'reject' ? rejectNotice(store, id, who) : retryNotice(store, id, who);
    if (!r.ok) throw new SpamtraceError('E_USAGE', `notify ${sub}: ${r.reason}`);
    io.stdout.write(`notice ${id}: ${r.notice.state}${r.notice.state === 'queued' ? ' (spamtrace notify send delivers it)' : ''}\n`);
    return 0;
  } finally {
    store.close();
  }
}
