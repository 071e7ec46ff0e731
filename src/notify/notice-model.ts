/**
 * What a notice says, as plain data for the templates: picked from one report source,
 * cleaned of control characters and capped. No secrets go in (no passwords, no tokens,
 * no recipient addresses of the spam, no message bodies); subjects only as short excerpts.
 */
import type { ReportSource, SourceKind, Verdict } from '../domain/report';
import { excerpt, safeText } from './safe-text';

export type NoticeLocale = 'de' | 'en';

/** What the hoster already did about it; spamtrace's containment fills this in, or the admin. */
export interface HosterAction {
  kind: 'held-mail' | 'blocked-submission' | 'blocked-login' | 'quarantined-file' | 'other';
  /** messages held, files moved */
  count?: number;
  /** the file, mailbox or user concerned */
  target?: string;
  /** for "other": the admin's words */
  text?: string;
}

export interface NoticeScript {
  path: string;
  urlPath: string;
  requests: number;
  explainedSubmissions: number;
  clients: string[];
}

export interface NoticeModel {
  locale: NoticeLocale;
  hosterName: string;
  host: string;
  kind: SourceKind;
  verdict: Verdict;
  subscription: { id: string; domains: string[]; customer: string | null } | null;
  /** the main domain, or the subscription id, for the subject */
  subject: string;
  systemUser: string | null;
  mailbox: string | null;
  messages: number;
  recipients: number;
  firstSeen: string | null;
  lastSeen: string | null;
  recipientDomains: { domain: string; count: number }[];
  scripts: NoticeScript[];
  phpScripts: string[];
  attackerIps: string[];
  login: { stolen: boolean; networks: number; failedBeforeFirstSuccess: number } | null;
  subjects: string[];
  actions: HosterAction[];
}

export function pickLocale(locale: string | null | undefined): NoticeLocale {
  return /^de(?:[-_]|$)/i.test(locale ?? '') ? 'de' : 'en';
}

export function buildNoticeModel(input: {
  source: ReportSource;
  host: string;
  locale: NoticeLocale;
  hosterName: string;
  actions: readonly HosterAction[];
}): NoticeModel {
  const { source: s } = input;
  const sub = s.subscription ?? null;
  const scripts = (s.scripts ?? []).slice(0, 3).map((f) => ({
    path: safeText(f.filePath ?? f.urlPath, 300),
    urlPath: safeText(f.urlPath, 300),
    requests: f.requests,
    explainedSubmissions: f.explainedSubmissions,
    clients: f.clients.slice(0, 3).map((c) => safeText(c.value, 64)),
  }));
  const ips = new Set<string>();
  for (const f of scripts) for (const c of f.clients) ips.add(c);
  for (const c of s.login?.clients ?? []) ips.add(safeText(c.address, 64));
  for (const a of s.clientAddresses) if (!isLoopback(a)) ips.add(safeText(a, 64));
  const domains = (sub?.domains ?? []).slice(0, 5).map((d) => safeText(d, 253));
  return {
    locale: input.locale,
    hosterName: safeText(input.hosterName, 100),
    host: safeText(input.host, 253),
    kind: s.kind,
    verdict: s.verdict,
    subscription: sub ? { id: safeText(sub.id, 100), domains, customer: sub.customer ? safeText(sub.customer, 100) : null } : null,
    subject: domains[0] ?? (sub ? safeText(sub.id, 100) : safeText(s.user ?? s.saslUsername ?? s.id, 100)),
    systemUser: s.user ? safeText(s.user, 64) : null,
    mailbox: s.kind === 'sasl' && s.saslUsername ? safeText(s.saslUsername, 254) : null,
    messages: s.messages,
    recipients: s.recipients,
    firstSeen: formatTime(s.firstSeen),
    lastSeen: formatTime(s.lastSeen),
    recipientDomains: s.recipientDomains.slice(0, 3).map((d) => ({ domain: safeText(d.domain, 253), count: d.count })),
    scripts,
    phpScripts: scripts.length ? [] : s.phpScripts.slice(0, 3).map((p) => safeText(p, 200)),
    attackerIps: [...ips].filter(Boolean).slice(0, 5),
    login: s.login
      ? { stolen: s.login.conclusion === 'stolen', networks: s.login.networks, failedBeforeFirstSuccess: s.login.failedBeforeFirstSuccess }
      : null,
    subjects: s.sampleSubjects.slice(0, 2).map((t) => excerpt(t)),
    actions: input.actions.slice(0, 10).map((a) => ({
      kind: a.kind,
      ...(a.count !== undefined ? { count: Math.max(0, Math.floor(a.count)) } : {}),
      ...(a.target !== undefined ? { target: safeText(a.target, 300) } : {}),
      ...(a.text !== undefined ? { text: safeText(a.text, 300) } : {}),
    })),
  };
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** "2026-11-28 14:05 UTC": one unambiguous form for both languages. */
function formatTime(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
