/**
 * The fleet report for a terminal: one block per host (its state, then its ordinary
 * report), failed hosts with what to do, then what several hosts share. Everything from
 * a host or from ssh goes through terminalSafe.
 */
import { renderText } from '../report/render-text';
import { terminalSafe as safe } from '../terminal-safe';
import type { CrossHostItem, FleetHostResult, FleetReport } from './fleet-report';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function hostBlock(h: FleetHostResult, all: boolean): string {
  const head = `== ${safe(h.alias)}${h.target ? ` (${safe(h.target)})` : ''} [${h.roles.join(', ')}${h.webFrom ? `; web logs from ${safe(h.webFrom)}` : ''}]`;
  if (h.state === 'failed') {
    return `${head}: FAILED after ${seconds(h.ms)} (${h.error?.kind ?? 'error'}${h.error?.code ? ` ${h.error.code}` : ''})\n   ${safe(h.error?.message ?? '')}\n`;
  }
  if (h.state === 'checked') {
    const inv = h.inventory ? `, inventory: ${h.inventory.subscriptions} subscriptions (${safe(h.inventory.source)})` : '';
    return `${head}: reachable, nothing to scan by its roles${inv} (${seconds(h.ms)})\n`;
  }
  const spam = h.report?.sources.filter((s) => s.verdict === 'spam').length ?? 0;
  const body = h.report ? renderText(h.report, { all }) : '';
  const indented = body
    .split('\n')
    .map((l) => (l === '' ? l : `   ${l}`))
    .join('\n');
  return `${head}: scanned in ${seconds(h.ms)}, ${spam} spam source${spam === 1 ? '' : 's'}\n${indented}${indented.endsWith('\n') ? '' : '\n'}`;
}

function crossLine(item: CrossHostItem): string {
  const where = item.hosts.map((h) => `${safe(h.host)} (${h.sources.map((s) => safe(s)).join(', ')}${h.paths.length ? `: ${h.paths.map((p) => safe(p)).join(', ')}` : ''})`);
  return `   ${safe(item.value)} [${item.as.join(', ')}] on ${item.hosts.length} hosts: ${where.join('; ')}`;
}

export function renderFleetText(r: FleetReport, options: { all?: boolean } = {}): string {
  const out: string[] = [];
  const s = r.summary;
  out.push(`spamtrace fleet scan at ${r.generatedAt}: ${s.hosts} hosts, ${s.scanned} scanned, ${s.checked} checked, ${s.failed} failed, ${s.spamSources} spam sources (${seconds(s.ms)})`);
  out.push('');
  for (const h of r.hosts) out.push(hostBlock(h, options.all ?? false));
  const { ips, scripts } = r.crossHost;
  if (ips.length || scripts.length) {
    out.push('== seen on several hosts (one campaign: clean them together)');
    if (ips.length) out.push(' attacker addresses:', ...ips.map(crossLine));
    if (scripts.length) out.push(' dropped scripts:', ...scripts.map(crossLine));
  } else {
    out.push('== nothing seen on more than one host');
  }
  return out.join('\n') + '\n';
}
