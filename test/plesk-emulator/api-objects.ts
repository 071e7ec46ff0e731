/**
 * The JSON the emulator answers, one function per documented object.
 *
 * Plesk REST API v2 (OpenAPI; reference at https://docs.plesk.com/en-US/obsidian/api-rpc/about-rest-api.79359/,
 * the panel serves the spec itself at /api/v2/swagger.yml):
 * - Client (`GET /clients`, `GET /domains/{id}/client`): id, created, name, company, login,
 *   status, email, locale, owner_login, external_id, description, type
 * - Domain (`GET /domains`): id, created, name, ascii_name, base_domain_id, guid,
 *   hosting_type, www_root, description, and aliases[] (names) when the domain has aliases
 *   (Team-Nifty-GmbH/plesk-sdk swagger-openapi3.json; the item shape is *unconfirmed*:
 *   names here, the adapter also takes objects with a name)
 * - Domain status (`GET|PUT /domains/{id}/status`): {"status": "active"|"suspended"|...}
 * - CLI call result (`POST /cli/{id}/call`): {code, stdout, stderr}
 * - Error: {code, message} with the HTTP status (401 unauthenticated, 404 unknown object).
 *   The shape is the spec's; the exact wording of Plesk's messages is not documented and
 *   the texts here are ours.
 */
import type { EmuClient, EmuDomain } from './data';

const CREATED = '2024-03-01T09:00:00+01:00';

function guid(prefix: number, id: number): string {
  const hex = (prefix * 100000 + id).toString(16).padStart(12, '0');
  return `7834463f-03a1-48fc-8cbe-${hex}`;
}

export function clientObject(c: EmuClient): Record<string, unknown> {
  return {
    id: c.id,
    created: CREATED,
    name: c.name,
    company: c.company,
    login: c.login,
    status: 0,
    email: c.email,
    locale: c.locale,
    owner_login: c.owner_login,
    external_id: '',
    description: '',
    type: c.type,
  };
}

export function domainObject(d: EmuDomain): Record<string, unknown> {
  return {
    id: d.id,
    created: CREATED,
    name: d.name,
    ascii_name: d.name,
    base_domain_id: d.base_domain_id,
    guid: guid(2, d.id),
    hosting_type: d.hosting_type,
    www_root: d.www_root,
    ...(d.aliases ? { aliases: d.aliases } : {}),
    description: '',
  };
}

export function errorObject(message: string, code = 0): Record<string, unknown> {
  return { code, message };
}
