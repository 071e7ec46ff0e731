/**
 * What several hosts have in common: the same attacker address (a bot POSTing to
 * scripts, a SASL login's client, an open-relay client) or the same dropped script name
 * on two or more hosts means one campaign, and the admin should clean every host at
 * once. Only sources judged spam or suspicious, and scripts that carry bad signs, count:
 * a visitor address or index.php shared by normal customers is not a finding.
 */
import * as path from 'node:path';
import type { Report, ReportSource } from '../domain/report';
import type { CrossHostItem } from './fleet-report';

class Sightings {
  private readonly byValue = new Map<string, { as: Set<string>; hosts: Map<string, { sources: Set<string>; paths: Set<string> }> }>();

  add(value: string, as: string, host: string, source: string, filePath: string | null = null): void {
    let v = this.byValue.get(value);
    if (!v) this.byValue.set(value, (v = { as: new Set(), hosts: new Map() }));
    v.as.add(as);
    let h = v.hosts.get(host);
    if (!h) v.hosts.set(host, (h = { sources: new Set(), paths: new Set() }));
    h.sources.add(source);
    if (filePath) h.paths.add(filePath);
  }

  /** values on two or more hosts, most hosts first */
  shared(): CrossHostItem[] {
    const out: CrossHostItem[] = [];
    for (const [value, v] of this.byValue) {
      if (v.hosts.size < 2) continue;
      out.push({
        value,
        as: [...v.as].sort(),
        hosts: [...v.hosts].map(([host, h]) => ({ host, sources: [...h.sources].sort(), paths: [...h.paths].sort() })).sort((a, b) => (a.host < b.host ? -1 : 1)),
      });
    }
    return out.sort((a, b) => b.hosts.length - a.hosts.length || (a.value < b.value ? -1 : 1));
  }
}

/** Every host has its own loopback: 127.0.0.1 on two hosts is two different clients. */
export function sharedMeaningless(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1' || ip === '0.0.0.0' || ip === '::' || ip === 'unknown' || ip === '';
}

function accused(s: ReportSource): boolean {
  return s.verdict === 'spam' || s.verdict === 'suspicious';
}

/** The script's file name (the part an attacker picks: kqzvmx.php), from the URL path. */
export function scriptName(urlPath: string): string {
  return path.posix.basename(urlPath.split('?')[0] ?? urlPath);
}

export function crossHostFindings(reports: ReadonlyArray<{ host: string; report: Report }>): { ips: CrossHostItem[]; scripts: CrossHostItem[] } {
  const ips = new Sightings();
  const scripts = new Sightings();
  for (const { host, report } of reports) {
    for (const s of report.sources) {
      for (const f of s.scripts ?? []) {
        // a script with bad signs, or any script behind a spam source
        if (f.signals.length === 0 && !accused(s)) continue;
        scripts.add(scriptName(f.urlPath), 'dropped script', host, s.id, f.filePath);
        for (const c of f.clients) if (!sharedMeaningless(c.value)) ips.add(c.value, 'script client', host, s.id);
      }
      if (!accused(s)) continue;
      for (const name of s.phpScripts) scripts.add(scriptName(name.replace(/\(\d+\) : eval\(\)'d code$/, '')), 'X-PHP-Originating-Script', host, s.id);
      const as = s.kind === 'sasl' ? 'SASL login client' : 'SMTP client';
      if (s.kind === 'sasl' || s.kind === 'smtp-client') for (const a of s.clientAddresses) if (!sharedMeaningless(a)) ips.add(a, as, host, s.id);
    }
  }
  return { ips: ips.shared(), scripts: scripts.shared() };
}
