/**
 * The report as an admin would write it on a whiteboard: worst sources first, one
 * line that says who, how much, where to and what the providers think, then the why.
 */
import type { ReportDnsbl, Report, ReportSource } from '../domain/report';
import { terminalSafe as safe } from '../terminal-safe';

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
    case 'local': {
      const smtp = s.smtpLoopback?.messages ?? 0;
      if (smtp === 0) return 'submitted by a local process (sendmail/pickup)';
      const all = smtp >= s.messages;
      return `${all ? 'a local process that' : `submitted by a local process (sendmail/pickup; ${smtp} of them`} spoke SMTP to 127.0.0.1 itself, its uid named by the ${s.smtpLoopback!.how}${all ? '' : ')'}`;
    }
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
  if (s.inboundMessages) parts[0] += ` (${n(s.inboundMessages)} inbound for hosted mailboxes, not judged)`;
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
  if (r.mailLog) {
    const m = r.mailLog;
    const read = m.files.filter((f) => f.read).length;
    out.push(
      `mail log: ${n(m.messages)} message${m.messages === 1 ? '' : 's'}${r.window?.since ? ` since ${r.window.since}` : ''} in ${read} file${read === 1 ? '' : 's'}, ${n(m.fromLogOnly)} no longer queued${m.forwardedCopies ? `, ${n(m.forwardedCopies)} alias/.forward copies counted with their original` : ''}, ${n(m.saslFailures)} failed SMTP logins`,
    );
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
    if (s.subscription) out.push(`           subscription: ${subscriptionLine(s)}`);
    out.push(...scriptLines(s));
    if (s.phpScripts.length) out.push(`           PHP scripts: ${s.phpScripts.slice(0, 5).map((x) => safe(x)).join(', ')}`);
    if (s.login) out.push(...loginLines(s));
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
  if (r.dnsbl) out.push('', ...dnsblLines(r.dnsbl));
  if (r.skipped.length) {
    out.push('');
    out.push('Skipped:');
    for (const s of r.skipped) out.push(`  ${n(s.count)} × ${safe(s.what)}: ${safe(s.reason, 300)}`);
  }
  return out.join('\n') + '\n';
}

/** The blocklist section: one line per address and list, or why nothing was checked. */
export function dnsblLines(d: ReportDnsbl): string[] {
  if (!d.checked) return [`Blocklists: ${safe(d.note, 300)}`];
  const out = [`Blocklists (outbound addresses): ${d.listed ? `${d.listed} LISTED` : 'none listed'}${d.cannotCheck ? `, ${d.cannotCheck} cannot be checked` : ''}; ${safe(d.note, 200)}`];
  for (const x of d.results) {
    const what =
      x.state === 'listed'
        ? `LISTED: ${x.meaning.map((m) => safe(m, 100)).join('; ')}${x.delist ? `; removal: ${safe(x.delist, 120)}` : ''}`
        : x.state === 'cannot-check'
          ? `cannot check: ${x.meaning.map((m) => safe(m, 100)).join('; ')}`
          : 'not listed';
    out.push(`  ${safe(x.address, 45).padEnd(16)} ${safe(x.list, 40).padEnd(18)} ${what} (checked ${x.checkedAt}${x.from === 'cache' ? ', cached' : ''})`);
  }
  for (const note of d.notes) out.push(`  note: ${safe(note, 300)}`);
  return out;
}

const INDENT = '           ';

function subscriptionLine(s: ReportSource): string {
  const sub = s.subscription!;
  const parts = [`${safe(sub.id)} (${sub.panel})`];
  if (sub.domains.length) parts.push(sub.domains.slice(0, 4).map((d) => safe(d)).join(', ') + (sub.domains.length > 4 ? ` and ${sub.domains.length - 4} more` : ''));
  if (sub.customer) parts.push(`customer ${safe(sub.customer)}${sub.customerEmail ? ` <${safe(sub.customerEmail)}>` : ''}`);
  if (sub.reseller) parts.push(`reseller ${safe(sub.reseller)}`);
  return parts.join(', ');
}

/** The seed admin's note: the file to remove and the IP to block, then why we think so. */
function scriptLines(s: ReportSource): string[] {
  const out: string[] = [];
  const scripts = s.scripts ?? [];
  for (const [i, f] of scripts.slice(0, 3).entries()) {
    const bad = f.signals.length > 0 || f.namedByHeader;
    const where = f.filePath ? safe(f.filePath) : safe(f.urlPath);
    const state = f.file ? (f.file.exists ? `${n(f.file.size ?? 0)} bytes, changed ${f.file.mtime?.slice(0, 19) ?? '?'}, owner ${safe(f.file.owner ?? String(f.file.uid ?? '?'))}` : 'no longer on disk') : '';
    out.push(`${INDENT}${i === 0 && bad ? 'remove' : 'script'}: ${where}${state ? ` (${state})` : ''}`);
    out.push(
      `${INDENT}  explains ${n(f.explainedSubmissions)} of ${n(s.messages)} submissions${f.medianLagSeconds !== null ? ` (median ${f.medianLagSeconds.toFixed(1)} s after the request)` : ''}; ${n(f.requests)} requests to ${safe(f.urlPath)}${f.firstSeen && f.lastSeen ? ` from ${f.firstSeen.slice(0, 19)} to ${f.lastSeen.slice(0, 19)}` : ''}`,
    );
    if (f.clients.length) {
      const top = f.clients[0]!;
      out.push(`${INDENT}  ${bad ? 'block' : 'clients'}: ${safe(top.value)} (${n(top.count)} requests)${f.clients.length > 1 ? `, also ${f.clients.slice(1, 4).map((c) => `${safe(c.value)} (${n(c.count)})`).join(', ')}` : ''}`);
    }
    if (f.signals.length) out.push(`${INDENT}  signs: ${f.signals.map((x) => safe(x.text, 200)).join('; ')}`);
    if (f.evidence.length) out.push(`${INDENT}  evidence: ${f.evidence.slice(0, 2).map((e) => `${safe(e.file)}:${e.line}`).join(', ')}`);
  }
  if (s.scriptNote) out.push(`${INDENT}scripts: ${safe(s.scriptNote, 300)}`);
  return out;
}

function loginLines(s: ReportSource): string[] {
  const l = s.login!;
  const word = { stolen: 'password very likely stolen', unclear: 'password theft unclear', 'not-stolen': 'no sign of a stolen password' }[l.conclusion];
  const out = [`${INDENT}login: ${word} (${n(l.networks)} network${l.networks === 1 ? '' : 's'}, ${n(l.failedTotal)} failed logins)`];
  if (l.reasons.length) out.push(`${INDENT}  because: ${l.reasons.slice(0, 4).map((x) => safe(x, 200)).join('; ')}`);
  return out;
}
