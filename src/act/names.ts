/**
 * Every name that reaches a command or a config file goes through here first. Targets
 * come from the command line, the UI or a scan report, and a report holds text a
 * spammer wrote (SASL logins, addresses): only what these patterns allow gets through.
 */
import { isIP } from 'node:net';
import { refused } from './act-errors';

/** A system user name as useradd accepts it (Debian's default NAME_REGEX, 32 chars). */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}[$]?$/i;
/** A SASL login: a mailbox address or a plain name; no spaces, commas, '#', quotes or '!'. */
const SASL_LOGIN = /^[A-Za-z0-9._%+=-]{1,64}(@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*)?$/;

export function checkUserName(name: string): string {
  if (typeof name !== 'string' || !USER_NAME.test(name) || name.endsWith('$')) {
    throw refused(`not a system user name: ${JSON.stringify(String(name).slice(0, 40))}`);
  }
  return name;
}

export function checkSaslLogin(login: string): string {
  if (typeof login !== 'string' || login.length > 320 || !SASL_LOGIN.test(login) || login.startsWith('-') || login.startsWith('.')) {
    throw refused(`not a mailbox login: ${JSON.stringify(String(login).slice(0, 80))}`);
  }
  return login.toLowerCase();
}

export function checkClientAddress(address: string): string {
  if (typeof address !== 'string' || address.length > 45 || isIP(address) === 0) {
    throw refused(`not an IP address: ${JSON.stringify(String(address).slice(0, 50))}`);
  }
  return address;
}

/** A queue source as the scan report keys it: uid:N, user:NAME, sasl:LOGIN, client:IP. */
export type SourceTarget =
  | { kind: 'uid'; uid: number }
  | { kind: 'user'; user: string }
  | { kind: 'sasl'; login: string }
  | { kind: 'client'; address: string };

export function parseSourceTarget(text: string): SourceTarget {
  const m = /^(uid|user|sasl|client):(.+)$/.exec(String(text));
  if (!m) throw refused(`a queue source is uid:N, user:NAME, sasl:LOGIN or client:IP (got ${JSON.stringify(String(text).slice(0, 60))})`);
  const value = m[2]!;
  switch (m[1]) {
    case 'uid':
      if (!/^\d{1,10}$/.test(value) || Number(value) > 4294967294) throw refused(`not a uid: ${JSON.stringify(value.slice(0, 20))}`);
      return { kind: 'uid', uid: Number(value) };
    case 'user':
      return { kind: 'user', user: checkUserName(value) };
    case 'sasl':
      return { kind: 'sasl', login: checkSaslLogin(value) };
    default:
      return { kind: 'client', address: checkClientAddress(value) };
  }
}

export function sourceTargetText(t: SourceTarget): string {
  switch (t.kind) {
    case 'uid':
      return `uid:${t.uid}`;
    case 'user':
      return `user:${t.user}`;
    case 'sasl':
      return `sasl:${t.login}`;
    case 'client':
      return `client:${t.address}`;
  }
}
