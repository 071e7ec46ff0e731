/**
 * The app in-process on an ephemeral port with a real SQLite store holding a report made
 * by the real scanner, a recording action runner (the real engine is exercised by the
 * browser test on the lab), and helpers to sign in as any principal.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionPlan } from '../../../src/act/action';
import { signPanelToken } from '../../../src/auth/panel-token';
import { FORWARD_HEADER, signForwarded } from '../../../src/auth/forwarded-request';
import type { Report } from '../../../src/domain/report';
import { openStore, type Store } from '../../../src/store';
import { createApp, type AppDeps } from '../../../src/web/app';
import { StoreAuditSink, type ActionRunner, type ApplyResult, type UndoResult } from '../../../src/web/action-runner';
import { hashPassword } from '../../../src/web/local-password';
import { ScanService, type Scanner } from '../../../src/web/scan-service';
import { createScanRow, finishScan } from '../../../src/store';
import { fixtureReport } from './web-fixture';

export const ADMIN_PASSWORD = 'correct horse battery staple';
const ADMIN_HASH = hashPassword(ADMIN_PASSWORD);

let cachedReport: Report | null = null;
export async function report(): Promise<Report> {
  cachedReport ??= await fixtureReport();
  return structuredClone(cachedReport);
}

export class RecordingRunner implements ActionRunner {
  readonly calls: string[] = [];
  private n = 0;
  constructor(private readonly store: Store) {}
  available(): string[] {
    return ['queue-hold', 'block-submit', 'block-login', 'quarantine-script'];
  }
  async plan(action: string, target: string): Promise<ActionPlan> {
    this.calls.push(`plan ${action} ${target}`);
    return {
      action,
      target,
      summary: `${action} on ${target}`,
      steps: [{ kind: 'command', program: 'postsuper', args: ['-h', '-', 'deferred'], stdin: '40 queue IDs', why: 'hold them' }],
      undoSteps: [{ kind: 'command', program: 'postsuper', args: ['-H', '-', 'hold'], stdin: '40 queue IDs', why: 'release them' }],
      before: null,
      data: null,
      reversible: true,
      noop: false,
      warnings: [],
    };
  }
  async apply(action: string, target: string, actor: string): Promise<ApplyResult> {
    this.calls.push(`apply ${action} ${target} by ${actor}`);
    const id = `20261128T040000Z-0000000${this.n++}`;
    await new StoreAuditSink(this.store).record({ who: actor, when: new Date().toISOString(), host: 'test', action, target, before: null, after: null, undoHandle: id, verified: true, observations: ['held 40 of 40'] });
    return { id, plan: await this.plan(action, target), verified: true, observations: ['held 40 of 40'] };
  }
  async undo(handle: string, actor: string): Promise<UndoResult> {
    this.calls.push(`undo ${handle} by ${actor}`);
    await new StoreAuditSink(this.store).record({ who: actor, when: new Date().toISOString(), host: 'test', action: 'queue-hold:undo', target: 'uid:4079', before: null, after: null, undoHandle: handle, verified: true, observations: [] });
    return { verified: true, observations: ['released'], warnings: [] };
  }
}

export interface TestApp {
  url: string;
  store: Store;
  runner: RecordingRunner;
  scans: ScanService;
  key: Buffer;
  close(): Promise<void>;
}

export async function startTestApp(options: { scanner?: Scanner; withReport?: boolean; deps?: Partial<AppDeps>; storePath?: string } = {}): Promise<TestApp> {
  const store = openStore(options.storePath ?? join(mkdtempSync(join(tmpdir(), 'web-test-')), 'store.db'));
  if (options.withReport !== false) {
    const id = createScanRow(store, 'test', null);
    finishScan(store, id, await report());
  }
  const runner = new RecordingRunner(store);
  const scans = new ScanService({ store, scanner: options.scanner ?? (() => report()) });
  const key = randomBytes(32);
  const app = createApp({
    store,
    scans,
    actions: runner,
    panelKey: key,
    localAdmin: { login: 'admin', passwordHash: ADMIN_HASH },
    outboundIps: () => ['192.0.2.25', '2001:db8::25'],
    ...options.deps,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    runner,
    scans,
    key,
    async close() {
      await scans.idle();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      store.close();
    },
  };
}

export type Who = 'anon' | 'admin' | 'r1' | 'r2' | 'k274' | 'kkunde';

export function tokenFor(who: Exclude<Who, 'anon'>, key: Buffer, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const base = { v: 1, iat: now, exp: now + 300, jti: randomBytes(8).toString('hex') };
  const claims =
    who === 'admin'
      ? { ...base, role: 'admin', login: 'admin', scope: { kind: 'all' } }
      : who === 'r1' || who === 'r2'
        ? { ...base, role: 'reseller', login: who, scope: { kind: 'reseller', reseller: who } }
        : who === 'k274'
          ? { ...base, role: 'customer', login: 'k274', scope: { kind: 'customer', customer: 'k274', subscriptions: ['web274-example.de'] } }
          : { ...base, role: 'customer', login: 'kkunde', scope: { kind: 'customer', customer: 'kkunde', subscriptions: ['kunde-beispiel.de'] } };
  return signPanelToken({ ...claims, ...overrides }, key);
}

export interface Client {
  cookie: string;
  csrf: string;
}

export function cookieOf(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0] ?? '';
}

export async function form(url: string, fields: Record<string, string>, cookie = '', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

export async function get(url: string, cookie = '', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });
}

export function csrfIn(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

/** Signs in through the panel bridge; anon gets an anonymous session from /login. */
export async function signIn(app: TestApp, who: Who): Promise<Client> {
  if (who === 'anon') {
    const r = await get(`${app.url}/login`);
    return { cookie: cookieOf(r), csrf: csrfIn(await r.text()) };
  }
  const r = await form(`${app.url}/auth/panel`, { token: tokenFor(who, app.key), next: '' });
  if (r.status !== 303) throw new Error(`sign-in as ${who}: ${r.status}`);
  const cookie = cookieOf(r);
  const page = await get(`${app.url}${r.headers.get('location')}`, cookie);
  return { cookie, csrf: csrfIn(await page.text()) };
}

/** The base path the Plesk forwarder puts in front of every service path. */
export const FORWARD_BASE = '/modules/spamtrace/index.php/ui';

/**
 * The header the panel's forwarder sends with one request: who (as tokenFor), bound to
 * the method and the path with query, for one use.
 */
export function forwardedFor(who: Exclude<Who, 'anon'>, key: Buffer, method: string, path: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const claims = JSON.parse(Buffer.from(tokenFor(who, key).split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  const token = signForwarded({ ...claims, iat: now, exp: now + 60, m: method, p: path, b: FORWARD_BASE, sid: 'a'.repeat(64), ...overrides }, key);
  return { [FORWARD_HEADER]: token };
}

/** What a forwarded user needs for a form: the CSRF token of a page it was shown. */
export async function forwardedCsrfOf(app: TestApp, who: Exclude<Who, 'anon'>): Promise<string> {
  const entry = who === 'admin' ? '/audit' : who === 'r1' || who === 'r2' ? '/reseller' : '/customer';
  const r = await get(app.url + entry, '', forwardedFor(who, app.key, 'GET', entry));
  return csrfIn(await r.text());
}
