/**
 * Who is looking: built from a verified panel token or from the standalone admin login,
 * never from anything else the browser sends.
 */
import type { PanelIdentity } from '../auth/panel-token';

export type Role = 'admin' | 'reseller' | 'customer';

export interface Principal {
  role: Role;
  login: string;
  /** for a customer: the main domains the panel says it owns (lower case) */
  domains: string[];
  via: 'panel' | 'local';
  /** the admin or reseller who opened the panel as this customer */
  impersonatedBy?: string;
}

export function principalFromPanel(id: PanelIdentity): Principal {
  const p: Principal = {
    role: id.role,
    login: id.login,
    domains: id.scope.kind === 'customer' ? id.scope.subscriptions.map((d) => d.toLowerCase()) : [],
    via: 'panel',
  };
  if (id.impersonatedBy) p.impersonatedBy = id.impersonatedBy;
  return p;
}

export function localAdmin(login: string): Principal {
  return { role: 'admin', login, domains: [], via: 'local' };
}

/** The audit's "who": the login, with the panel user behind an impersonation. */
export function actorName(p: Principal): string {
  const base = `${p.via === 'panel' ? 'panel' : 'local'}:${p.login}`;
  return p.impersonatedBy ? `${base} (as ${p.impersonatedBy})` : base;
}

/** Parses a principal stored in the session table; anything odd is no principal. */
export function readPrincipal(json: string | null): Principal | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<Principal>;
    if ((v.role === 'admin' || v.role === 'reseller' || v.role === 'customer') && typeof v.login === 'string' && Array.isArray(v.domains)) {
      const p: Principal = { role: v.role, login: v.login, domains: v.domains.filter((d) => typeof d === 'string'), via: v.via === 'local' ? 'local' : 'panel' };
      if (typeof v.impersonatedBy === 'string') p.impersonatedBy = v.impersonatedBy;
      return p;
    }
  } catch {
    /* a damaged row is an anonymous session */
  }
  return null;
}
