/**
 * Reads a saved `spamtrace scan --json` report. The file is ours in shape but may be
 * old, cut short or hand-edited: check what notices rely on, refuse the rest with
 * E_REPORT_FILE (the lead adds the code to src/errors.ts; the cast keeps this compiling).
 */
import { readFileSync, statSync } from 'node:fs';
import { SpamtraceError, type ErrorCode } from '../errors';
import type { Report } from '../domain/report';

export const E_REPORT_FILE: ErrorCode = 'E_REPORT_FILE';
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export function readReportFile(path: string): Report {
  let text: string;
  try {
    if (statSync(path).size > MAX_REPORT_BYTES) throw new Error(`larger than ${MAX_REPORT_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpamtraceError(E_REPORT_FILE, `report ${path}: cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SpamtraceError(E_REPORT_FILE, `report ${path}: not valid JSON (${(e as Error).message}); save it with spamtrace scan --json`);
  }
  const r = doc as Partial<Report> | null;
  if (!r || typeof r !== 'object' || r.version !== 1 || typeof r.host !== 'string' || typeof r.generatedAt !== 'string' || !Array.isArray(r.sources)) {
    throw new SpamtraceError(E_REPORT_FILE, `report ${path}: not a spamtrace report version 1 (needs version, host, generatedAt, sources)`);
  }
  if (Number.isNaN(new Date(r.generatedAt).getTime())) throw new SpamtraceError(E_REPORT_FILE, `report ${path}: generatedAt is not a date`);
  r.sources.forEach((s, i) => {
    if (!s || typeof s.id !== 'string' || typeof s.kind !== 'string' || typeof s.verdict !== 'string' || typeof s.score !== 'number') {
      throw new SpamtraceError(E_REPORT_FILE, `report ${path}: source ${i} lacks id, kind, verdict or score`);
    }
    // Older reports lack the newer arrays; the notice treats them as empty.
    s.clientAddresses ??= [];
    s.phpScripts ??= [];
    s.sampleSubjects ??= [];
    s.recipientDomains ??= [];
  });
  return r as Report;
}

/** `--actions FILE`: { "uid:4079": [{ "kind": "held-mail", "count": 412 }], ... } */
export function readActionsFile(path: string): Record<string, import('./notice-model').HosterAction[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `--actions ${path}: ${(e as Error).message}`);
  }
  const kinds = ['held-mail', 'blocked-submission', 'blocked-login', 'quarantined-file', 'other'];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new SpamtraceError('E_USAGE', `--actions ${path}: must be an object keyed by source id`);
  const out: Record<string, import('./notice-model').HosterAction[]> = Object.create(null);
  for (const [id, list] of Object.entries(doc as Record<string, unknown>)) {
    if (!Array.isArray(list) || !list.every((a) => a && typeof a === 'object' && kinds.includes((a as { kind: string }).kind))) {
      throw new SpamtraceError('E_USAGE', `--actions ${path}: "${id}" must be a list of { kind: ${kinds.join('|')}, count?, target?, text? }`);
    }
    out[id] = list as import('./notice-model').HosterAction[];
  }
  return out;
}
