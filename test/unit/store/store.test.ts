import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { openStore, type Store } from '../../../src/store/open-store';
import { MIGRATIONS, schemaVersion } from '../../../src/store/migrations';
import { findingFingerprint, recordFinding, windowStart, getFinding } from '../../../src/store/findings';
import {
  claimNext,
  countRecentForCustomer,
  getNotice,
  insertNotice,
  markHanded,
  markSent,
  recoverExpiredLeases,
  type NewNotice,
} from '../../../src/store/notices';
import { auditFor, recordAudit } from '../../../src/store/audit';
import { localSpamSource } from '../notify/report-fixture';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function clock(start = Date.parse('2026-11-28T10:00:00Z')): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function notice(fingerprint: string, recipient: string, extra: Partial<NewNotice> = {}): NewNotice {
  return {
    fingerprint,
    recipient,
    role: 'customer',
    customer: 'beispiel',
    reseller: null,
    locale: 'de',
    state: 'queued',
    stateReason: null,
    subject: 's',
    text: 't',
    html: '<p>h</p>',
    messageId: `<${fingerprint.slice(0, 8)}.${recipient}@hoster.example>`,
    ...extra,
  };
}

function seedFinding(store: Store, sourceId = 'uid:4079'): string {
  return recordFinding(store, 'web01', localSpamSource({ id: sourceId }), '2026-11-28T00:00:00.000Z');
}

test('a new store file gets the schema at the latest version, in WAL mode', (t) => {
  const store = openStore(join(tempDir(t), 'sub', 'st.db'));
  t.after(() => store.close());
  assert.equal(schemaVersion(store.db), MIGRATIONS.length);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  for (const name of ['audit', 'findings', 'notices', 'schema_version']) assert.ok(tables.includes(name), name);
});

test('reopening runs no migration twice, and a migration added later is applied once', (t) => {
  const path = join(tempDir(t), 'st.db');
  openStore(path).close();
  const later = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'actions', sql: 'CREATE TABLE actions (id INTEGER PRIMARY KEY, what TEXT)' }];
  const a = openStore(path, { migrations: later });
  assert.equal(schemaVersion(a.db), later.length);
  a.close();
  const b = openStore(path, { migrations: later });
  t.after(() => b.close());
  const rows = b.db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[];
  assert.deepEqual(rows.map((r) => r.version), later.map((m) => m.version));
});

test('the fingerprint is stable, and differs by source, subscription and window', () => {
  const f = { host: 'web01', subscriptionId: '17', sourceId: 'uid:4079', kind: 'local', windowStart: windowStart(new Date('2026-11-28T09:05:00Z')) };
  // pinned: the outbox keys notices by it, so a changed formula would mail every customer again
  assert.equal(findingFingerprint(f), '0297779afae76e3e832a921f3d2dd50a530e653e5f5881d150628130a60c3ccc');
  assert.equal(f.windowStart, '2026-11-28T00:00:00.000Z');
  assert.equal(windowStart(new Date('2026-11-28T23:59:59Z')), f.windowStart);
  for (const change of [{ sourceId: 'uid:4080' }, { subscriptionId: '18' }, { host: 'web02' }, { windowStart: '2026-11-29T00:00:00.000Z' }, { kind: 'sasl' }]) {
    assert.notEqual(findingFingerprint({ ...f, ...change }), findingFingerprint(f), JSON.stringify(change));
  }
});

test('recording the same finding twice keeps one row with the newest verdict', (t) => {
  const store = openStore(join(tempDir(t), 'st.db'));
  t.after(() => store.close());
  const a = recordFinding(store, 'web01', localSpamSource({ score: 9 }), '2026-11-28T00:00:00.000Z');
  const b = recordFinding(store, 'web01', localSpamSource({ score: 12 }), '2026-11-28T00:00:00.000Z');
  assert.equal(a, b);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM findings').get() as { n: number }).n, 1);
  const row = getFinding(store, a)!;
  assert.equal(row.score, 12);
  assert.equal(JSON.parse(row.source_json).id, 'uid:4079');
});

test('one notice per finding and recipient: a second insert changes nothing', (t) => {
  const store = openStore(join(tempDir(t), 'st.db'));
  t.after(() => store.close());
  const fp = seedFinding(store);
  const first = insertNotice(store, notice(fp, 'a@example.com'));
  const again = insertNotice(store, notice(fp, 'a@example.com', { subject: 'other' }));
  assert.equal(first.inserted, true);
  assert.equal(again.inserted, false);
  assert.equal(again.row.id, first.row.id);
  assert.equal(again.row.subject, 's');
  assert.equal(insertNotice(store, notice(fp, 'reseller@example.com')).inserted, true);
});

test('a claimed notice cannot be claimed again until its lease is recovered', (t) => {
  const c = clock();
  const store = openStore(join(tempDir(t), 'st.db'), { now: c.now });
  t.after(() => store.close());
  const fp = seedFinding(store);
  insertNotice(store, notice(fp, 'a@example.com'));
  const got = claimNext(store, 'one', 60_000)!;
  assert.equal(got.state, 'sending');
  assert.equal(got.attempts, 1);
  assert.equal(claimNext(store, 'two', 60_000), undefined);
  assert.equal(markSent(store, got.id, 'two', '250'), false, 'only the owner records the outcome');
  assert.equal(markSent(store, got.id, 'one', '250 ok'), true);
  assert.equal(getNotice(store, got.id)!.state, 'sent');
});

test('after a crash: a notice never handed over is queued again; one handed over becomes unconfirmed', (t) => {
  const c = clock();
  const store = openStore(join(tempDir(t), 'st.db'), { now: c.now });
  t.after(() => store.close());
  const fp = seedFinding(store);
  const before = insertNotice(store, notice(fp, 'before@example.com')).row;
  const after = insertNotice(store, notice(fp, 'after@example.com')).row;
  claimNext(store, 'crashed', 60_000);
  const second = claimNext(store, 'crashed', 60_000)!;
  assert.equal(markHanded(store, second.id, 'crashed', 60_000), true);
  c.advance(30_000);
  assert.deepEqual(recoverExpiredLeases(store), { requeued: [], unconfirmed: [] }, 'leases still running are left alone');
  c.advance(31_000);
  const r = recoverExpiredLeases(store);
  assert.deepEqual(r.requeued.map((x) => x.id), [before.id]);
  assert.deepEqual(r.unconfirmed.map((x) => x.id), [after.id]);
  assert.equal(getNotice(store, after.id)!.state, 'unconfirmed');
  assert.match(getNotice(store, after.id)!.last_error!, /not resent/);
  assert.equal(claimNext(store, 'next', 60_000)!.id, before.id);
  assert.equal(claimNext(store, 'next', 60_000), undefined, 'the unconfirmed notice is not sent again by itself');
});

test('a sender whose lease ran out may not hand the notice over', (t) => {
  const c = clock();
  const store = openStore(join(tempDir(t), 'st.db'), { now: c.now });
  t.after(() => store.close());
  const fp = seedFinding(store);
  insertNotice(store, notice(fp, 'a@example.com'));
  const got = claimNext(store, 'slow', 1_000)!;
  c.advance(2_000);
  assert.equal(markHanded(store, got.id, 'slow', 1_000), false);
});

test('the rate-limit count covers this customer\'s recent notices only', (t) => {
  const c = clock();
  const store = openStore(join(tempDir(t), 'st.db'), { now: c.now });
  t.after(() => store.close());
  const fp = seedFinding(store);
  insertNotice(store, notice(fp, 'a@example.com'));
  insertNotice(store, notice(fp, 'b@example.com', { customer: 'other' }));
  insertNotice(store, notice(fp, 'c@example.com', { state: 'awaiting-approval' }));
  assert.equal(countRecentForCustomer(store, 'beispiel', c.now() - 3600_000), 1);
  c.advance(2 * 3600_000);
  assert.equal(countRecentForCustomer(store, 'beispiel', c.now() - 3600_000), 0);
});

test('the audit trail keeps who, what, and the state before and after', (t) => {
  const store = openStore(join(tempDir(t), 'st.db'));
  t.after(() => store.close());
  recordAudit(store, { actor: 'admin', action: 'notice.approve', target: 'notice:1', before: { state: 'awaiting-approval' }, after: { state: 'queued' } });
  const [row] = auditFor(store, 'notice:1');
  assert.equal(row!.actor, 'admin');
  assert.deepEqual(JSON.parse(row!.before_json!), { state: 'awaiting-approval' });
  assert.deepEqual(JSON.parse(row!.after_json!), { state: 'queued' });
});

test('four processes claiming from one store file never get the same notice', async (t) => {
  const path = join(tempDir(t), 'st.db');
  const store = openStore(path);
  const fp = seedFinding(store);
  const total = 200;
  for (let i = 0; i < total; i++) insertNotice(store, notice(fp, `r${i}@example.com`));
  store.close();
  const worker = join(__dirname, 'claim-worker.js');
  const outputs = await Promise.all(
    [1, 2, 3, 4].map(
      (n) =>
        new Promise<number[]>((resolve, reject) => {
          const child = spawn(process.execPath, [worker, path, `worker-${n}`], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean).map(Number)) : reject(new Error(`worker exit ${code}`))));
        }),
    ),
  );
  const all = outputs.flat();
  assert.equal(all.length, total, 'every notice claimed');
  assert.equal(new Set(all).size, total, 'no notice claimed twice');
});
