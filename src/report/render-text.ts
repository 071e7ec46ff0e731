/**
 * The report as an admin would write it on a whiteboard: worst sources first, one
 * line that says who, how much, where to and what the providers think, then the why.
 */
import type { Report, ReportSource } from '../domain/report';
import { terminalSafe as safe } from './terminal-safe';

const n = (x: number): string => x.toLocaleString('en-US');

export function humanSpan(ms: number): string {
  const min = ms / 60_000;
  if (min < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (min < 120) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 72) return `${Math.round(h)} h`;
  return `${Math.round(h / 24)} days`;
}

function who(s: ReportSource): string {
  switch (s.kind) {
    case 'local':
      return `uid ${s.uid} (${s.user ? safe(s.user) : 'not resolved'}${s.home ? ', ' + safe(s.home) : ''})`;
    case 'sasl':
      return `SASL login ${safe(s.saslUsername ?? '?')}${s.clientAddresses.length ? ' from ' + s.clientAddresses.slice(0, 3).map((a) => safe(a)).join(', ') : ''}`;
    case 'smtp-client':
      return `SMTP client ${safe(s.clientAddresses[0] ?? '?')}${s.clientNames[0] ? ' (' + safe(s.clientNames[0]) + ')' : ''} without login`;
    case 'unknown':
      return `unknown origin: ${safe(s.originNote ?? s.id)}`;
  }
}

function how(s: ReportSource): string {
  switch (s.kind) {
    case 'local':
      return 'submitted by a local process (sendmail/pickup)';
    case 'sasl':
      return 'sent through an authenticated SMTP login';
    case 'smtp-client':
      return 'relayed over SMTP without authentication';
    case 'unknown':
      return 'origin not known';
  }
}

export function headline(s: ReportSource): string {
  const parts = [`${who(s)}: ${n(s.messages)} message${s.messages === 1 ? '' : 's'} to ${n(s.recipients)} recipient${s.recipients === 1 ? '' : 's'}`];
  if (s.recipientDomains.length) parts[0] += ` at ${s.recipientDomains.slice(0, 3).map((d) => safe(d.domain)).join('/')}`;
  if (s.firstSeen && s.lastSeen && s.lastSeen > s.firstSeen) {
    parts[0] += ` in ${humanSpan(Date.parse(s.lastSeen) - Date.parse(s.firstSeen))}`;
  }
  const rep = s.deferrals.blocklisted + s.deferrals['rate-limited'];
  if (rep > 0 && s.recipients > 0) {
    const labels = s.deferralRules.filter((d) => d.class === 'blocklisted' || d.class === 'rate-limited').map((d) => d.label);
    const word = s.deferrals.blocklisted >= s.deferrals['rate-limited'] ? 'blocklisted' : 'rate-limited';
    parts.push(`${Math.round((100 * rep) / s.recipients)}% deferred as ${word} (${[...new Set(labels)].slice(0, 3).join(', ')})`);
  }
  return `${parts.join(', ')} → ${s.verdict}, ${how(s)}`;
}

export function renderText(r: Report, options: { all?: boolean } = {}): string {
  const out: string[] = [];
  const q = r.queue;
  const byQueue = Object.entries(q.byQueue)
    .map(([k, v]) => `${k} ${n(v ?? 0)}`)
    .join(', ');
  out.push(`spamtrace on ${safe(r.host)} at ${r.generatedAt}${r.postfix.version ? ` (Postfix ${safe(r.postfix.version)})` : ''}`);
  out.push(`queue: ${n(q.total)} message${q.total === 1 ? '' : 's'}${byQueue ? ` (${byQueue})` : ''}, ${n(q.examined)} examined; source: ${safe(r.input.queueSource)}`);
  if (r.queue.reportedTotal != null && r.queue.reportedTotal > q.total) {
    out.push(`the listing was cut: its trailer counts ${n(r.queue.reportedTotal)} messages; only the ones shown were judged`);
  }
  for (const w of r.warnings) out.push(`warning: ${safe(w, 300)}`);
  const spam = r.sources.filter((s) => s.verdict === 'spam');
  const suspicious = r.sources.filter((s) => s.verdict === 'suspicious');
  const normal = r.sources.filter((s) => s.verdict === 'normal');
  out.push('');
  if (spam.length === 0 && suspicious.length === 0) out.push('No spam source found.');
  for (const s of [...spam, ...suspicious]) {
    out.push(`${s.verdict.toUpperCase().padEnd(10)} ${headline(s)}`);
    out.push(`           why: ${s.reasons.map((x) => safe(x, 300)).join('; ')}`);
    if (s.phpScripts.length) out.push(`           PHP scripts: ${s.phpScripts.slice(0, 5).map((x) => safe(x)).join(', ')}`);
    if (s.heloNames.length && s.kind !== 'local') out.push(`           HELO: ${s.heloNames.slice(0, 5).map((x) => safe(x)).join(', ')}`);
    if (s.sampleSubjects.length) out.push(`           subjects: ${s.sampleSubjects.slice(0, 3).map((x) => JSON.stringify(safe(x, 80))).join(', ')}`);
    if (s.sampleQueueIds.length) out.push(`           look: postcat -q ${s.sampleQueueIds.slice(0, 3).join(' ')}`);
    out.push('');
  }
  if (normal.length) {
    if (options.all || normal.length <= 10) {
      out.push('Normal:');
      for (const s of normal) out.push(`  ${headline(s)}`);
    } else {
      out.push(`${normal.length} more sources look normal (--all lists them).`);
    }
  }
  if (r.skipped.length) {
    out.push('');
    out.push('Skipped:');
    for (const s of r.skipped) out.push(`  ${n(s.count)} × ${safe(s.what)}: ${safe(s.reason, 300)}`);
  }
  return out.join('\n') + '\n';
}
