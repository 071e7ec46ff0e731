/**
 * Which actions the UI offers for a subscription: derived from its sources, limited to the
 * actions this server's engine has. Apply accepts only an (action, target) pair offered
 * here, so a crafted form cannot aim an action at something the page did not show.
 */
import type { ReportSource } from '../domain/report';
import type { SubscriptionView } from './subscriptions';

export interface ActionOffer {
  action: string;
  target: string;
  /** the source it came from, or null for a subscription-wide action */
  sourceId: string | null;
}

export function offersFor(sub: SubscriptionView, available: readonly string[]): ActionOffer[] {
  const has = new Set(available);
  const out: ActionOffer[] = [];
  const add = (action: string, target: string | null | undefined, sourceId: string | null): void => {
    if (!target || !has.has(action)) return;
    if (out.some((o) => o.action === action && o.target === target)) return;
    out.push({ action, target, sourceId });
  };
  for (const s of sub.sources) {
    // the engine acts on this server only: a fleet host's source is contained on that host
    if (s.verdict === 'normal' || s.host !== undefined) continue;
    for (const o of sourceOffers(s)) add(o.action, o.target, s.id);
    if (s.subscription?.customerEmail) add('notify-customer', s.id, s.id);
  }
  if (!sub.unassigned && sub.worst !== 'normal' && sub.host === null) {
    if (sub.panel === 'confixx') add('confixx-lock', sub.id, null);
    if (sub.panel === 'plesk' && sub.domains[0]) add('plesk-suspend', `${sub.domains[0]}#${sub.id}`, null);
  }
  return out;
}

function sourceOffers(s: ReportSource): { action: string; target: string | null }[] {
  switch (s.kind) {
    case 'local':
      return [
        { action: 'queue-hold', target: s.id },
        { action: 'block-submit', target: s.uid === null ? null : `uid:${s.uid}` },
        ...(s.scripts ?? []).filter((f) => f.filePath && f.file?.exists !== false).map((f) => ({ action: 'quarantine-script', target: f.filePath })),
      ];
    case 'sasl':
      return [
        { action: 'queue-hold', target: s.id },
        { action: 'block-login', target: s.saslUsername },
        { action: 'plesk-mail-limit', target: s.subscription?.panel === 'plesk' && s.saslUsername?.includes('@') ? s.saslUsername : null },
      ];
    case 'smtp-client':
      return [{ action: 'queue-hold', target: s.id }];
    default:
      return [];
  }
}

export function isOffered(offers: readonly ActionOffer[], action: unknown, target: unknown): boolean {
  return typeof action === 'string' && typeof target === 'string' && offers.some((o) => o.action === action && o.target === target);
}
