/**
 * Tells the admin about a trip: always in the log (the caller's) and trips.jsonl (the UI
 * reads it); by mail when the policy names `alertTo`, through the notify transport
 * (sendmail or SMTP, as notices go), in German and English, with the evidence. Nothing
 * from the log reaches the mail unescaped: it is plain text with control characters cut.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { createTransport } from '../notify/create-transport';
import { loadNotifyConfig, resolveNotifyConfigPath } from '../notify/load-notify-config';
import { DEFAULT_NOTIFY_CONFIG } from '../notify/notify-config';
import type { Trip } from './trip-store';
import type { DnsblChange } from '../dnsbl/dnsbl-monitor';
import type { WatchPolicy } from './watch-policy';

export interface AlertOptions {
  policy: Readonly<WatchPolicy>;
  log: (line: string) => void;
}

/** The alert text in both languages. */
export function alertText(t: Trip): { subject: string; text: string } {
  const plain = (s: string): string => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?').slice(0, 500);
  const what = t.state === 'dry-run' ? 'would trip (dry-run) / würde auslösen (Probelauf)' : t.state === 'capped' ? 'over the hourly cap / über der Stundengrenze' : 'tripped / ausgelöst';
  const subject = `[spamtrace] ${t.source}: ${t.state === 'tripped' ? 'mail stopped / Versand gestoppt' : what}`;
  const lines = [
    `spamtrace watch: ${plain(t.source)} ${what}`,
    '',
    `Cause / Grund: ${t.cause === 'spam' ? `verdict spam, score ${t.score}` : `${t.rate.messages} messages, ${t.rate.recipients} recipients per minute`}`,
    `Window / Zeitfenster: ${t.messages} messages to ${t.recipients} recipients, first ${t.firstSeen ?? '?'}, tripped ${t.secondsFromFirstMessage ?? '?'} s later`,
    '',
    'Evidence / Belege:',
    ...t.reasons.map((r) => `  - ${plain(r)}`),
    `  queue IDs: ${t.sampleQueueIds.join(' ')}`,
    '',
    'Actions / Maßnahmen:',
    ...(t.actions.length ? t.actions.map((a) => `  - ${a.action} ${plain(a.target)}: ${a.ok ? 'ok' : 'FAILED'} ${plain(a.notes[0] ?? '')}${a.id ? ` [${a.id}]` : ''}`) : ['  (none)']),
    '',
    ...(t.notice
      ? [
          `Customer notice / Kundenhinweis: ${plain(t.notice.reason)}`,
          ...t.notice.notices.map((n) => `  - ${plain(n.recipient)} (${n.role}, ${n.locale}): ${n.state}${n.id !== null ? ` [notice ${n.id}]` : ''}`),
          '',
        ]
      : []),
    `Release / Freigeben: spamtrace watch release ${t.id}`,
    'No mail was deleted: held mail stays in the hold queue. / Es wurde keine Mail gelöscht: angehaltene Mails bleiben in der Hold-Queue.',
  ];
  return { subject, text: lines.join('\n') + '\n' };
}

/** A blocklist state change, in both languages. */
export function dnsblAlertText(changes: readonly DnsblChange[]): { subject: string; text: string } {
  const listed = changes.filter((c) => c.to === 'listed');
  const subject = listed.length
    ? `[spamtrace] ${listed.map((c) => c.address).filter((a, i, all) => all.indexOf(a) === i).join(', ')} listed / gelistet: ${[...new Set(listed.map((c) => c.list))].join(', ')}`
    : '[spamtrace] blocklist state changed / Blocklisten-Status geändert';
  const lines = [
    'Blocklist state of the outbound addresses changed / Der Blocklisten-Status der ausgehenden Adressen hat sich geändert:',
    '',
    ...changes.map((c) => `  ${c.address} ${c.list}: ${c.from} -> ${c.to}${c.meaning.length ? ` (${c.meaning.join('; ')})` : ''}`),
    '',
    'Details: spamtrace watch dnsbl',
  ];
  return { subject, text: lines.join('\n') + '\n' };
}

export async function alertAdmin(t: Trip, o: AlertOptions): Promise<void> {
  await sendAlert(alertText(t), o);
}

export async function sendAlert(m: { subject: string; text: string }, o: AlertOptions): Promise<void> {
  if (!o.policy.alertTo) return;
  try {
    const notify = loadNotifyConfig(resolveNotifyConfigPath(undefined)) ?? DEFAULT_NOTIFY_CONFIG;
    const { subject, text } = m;
    const raw = await new MailComposer({
      from: notify.from,
      to: o.policy.alertTo,
      subject,
      text,
      headers: { 'Auto-Submitted': 'auto-generated' },
      disableFileAccess: true,
      disableUrlAccess: true,
    })
      .compile()
      .build();
    const r = await createTransport(notify).send({ from: notify.from, to: o.policy.alertTo }, raw, () => true);
    if (r.result !== 'sent') o.log(`watch: the alert mail to ${o.policy.alertTo} was not sent: ${r.result === 'failed' ? r.error : r.result}`);
  } catch (e) {
    o.log(`watch: the alert mail to ${o.policy.alertTo} failed: ${(e as Error).message}`);
  }
}
