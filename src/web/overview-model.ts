/**
 * The admin overview's numbers, computed from one report: the queue by queue, deferrals by
 * provider (blocklisted / rate-limited / other, with their share), and the timeline's
 * geometry, which the view draws as inline SVG (no chart library, no script).
 */
import type { Report, ReportSource } from '../domain/report';

export interface ProviderDeferrals {
  provider: string;
  blocklisted: number;
  rateLimited: number;
  other: number;
  total: number;
  /** share of all classified deferrals, 0..1 */
  share: number;
}

export function deferralsByProvider(report: Report): ProviderDeferrals[] {
  const by = new Map<string, ProviderDeferrals>();
  let all = 0;
  for (const s of report.sources) {
    for (const d of s.deferralRules ?? []) {
      const name = d.provider ?? d.label ?? 'other';
      let row = by.get(name);
      if (!row) by.set(name, (row = { provider: name, blocklisted: 0, rateLimited: 0, other: 0, total: 0, share: 0 }));
      if (d.class === 'blocklisted') row.blocklisted += d.count;
      else if (d.class === 'rate-limited') row.rateLimited += d.count;
      else row.other += d.count;
      row.total += d.count;
      all += d.count;
    }
  }
  const rows = [...by.values()];
  for (const r of rows) r.share = all > 0 ? r.total / all : 0;
  return rows.sort((a, b) => b.total - a.total || a.provider.localeCompare(b.provider));
}

export interface Bar {
  x: number;
  y: number;
  w: number;
  h: number;
  /** messages in that hour (estimated) */
  value: number;
  hour: string;
}

export interface TimelineSeries {
  sourceId: string;
  label: string;
  colorIndex: number;
  /** one bar per hour with mail, beside the other sources' bars of that hour */
  bars: Bar[];
  total: number;
}

export interface Timeline {
  width: number;
  height: number;
  hours: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  series: TimelineSeries[];
  /** true when every bar is an exact count (perHour), false when some were spread */
  exact: boolean;
}

const HOUR = 3600_000;
const MAX_HOURS = 72;
const MAX_SERIES = 8;

/**
 * Messages per source per hour: exact from the source's `perHour` counts; a report
 * stored before those existed is spread evenly over the hours between the source's
 * first and last message. Null when no source has a usable span.
 */
export function timeline(report: Report, width = 720, height = 220): Timeline | null {
  const usable = report.sources
    .map((s) => ({ s, first: Date.parse(s.firstSeen ?? ''), last: Date.parse(s.lastSeen ?? '') }))
    .filter((x) => Number.isFinite(x.first) && Number.isFinite(x.last) && x.last >= x.first && x.s.messages > 0)
    .sort((a, b) => b.s.messages - a.s.messages)
    .slice(0, MAX_SERIES);
  if (usable.length === 0) return null;
  const end = Math.floor(Math.max(...usable.map((x) => x.last)) / HOUR) * HOUR;
  const start = Math.max(Math.floor(Math.min(...usable.map((x) => x.first)) / HOUR) * HOUR, end - (MAX_HOURS - 1) * HOUR);
  const n = Math.round((end - start) / HOUR) + 1;
  const counts = usable.map(({ s, first, last }) => perHour(s, first, last, start, n));
  const max = Math.max(1, ...counts.flat());
  const left = 48;
  const bottom = 24;
  const plotW = width - left - 8;
  const plotH = height - bottom - 8;
  const slot = plotW / n;
  const barW = Math.max(1, (slot * 0.8) / usable.length);
  const y = (v: number): number => 8 + plotH - (v / max) * plotH;
  const hourLabel = (i: number): string => `${new Date(start + i * HOUR).toISOString().slice(11, 13)}:00`;
  const step = Math.max(1, Math.ceil(n / 12));
  return {
    width,
    height,
    hours: Array.from({ length: n }, (_, i) => i)
      .filter((i) => i % step === 0)
      .map((i) => ({ x: round(left + i * slot + slot / 2), label: hourLabel(i) })),
    exact: usable.every(({ s }) => s.perHour !== undefined),
    yTicks: [0, 0.5, 1].map((f) => ({ y: round(y(max * f)), label: String(Math.round(max * f)) })),
    series: usable.map(({ s }, k) => ({
      sourceId: s.id,
      label: s.subscription?.domains[0] ? `${s.id} (${s.subscription.domains[0]})` : s.id,
      colorIndex: k,
      bars: counts[k]!.flatMap((v, i) =>
        v > 0 ? [{ x: round(left + i * slot + slot * 0.1 + k * barW), y: round(y(v)), w: round(barW), h: round(8 + plotH - y(v)), value: Math.round(v * 10) / 10, hour: hourLabel(i) }] : [],
      ),
      total: s.messages,
    })),
  };
}

function perHour(s: ReportSource, first: number, last: number, start: number, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  if (s.perHour) {
    // exact: the report counted each hour
    for (const h of s.perHour) {
      const i = Math.floor((Date.parse(h.hour) - start) / HOUR);
      if (i >= 0 && i < n) out[i]! += h.count;
    }
    return out;
  }
  const a = Math.max(0, Math.floor((first - start) / HOUR));
  const b = Math.min(n - 1, Math.floor((last - start) / HOUR));
  if (b < a) return out;
  const per = s.messages / (b - a + 1);
  for (let i = a; i <= b; i++) out[i] = per;
  return out;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
