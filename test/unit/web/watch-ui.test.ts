/** The watcher in the UI: trips and blocklist state on the overview, one-click release. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { form, get, signIn, startTestApp, type TestApp } from './harness';
import { watchView } from '../../../src/watch/watch-view';
import type { Trip } from '../../../src/watch/trip-store';

const TRIP: Trip = {
  type: 'trip',
  id: 'trip-20260101T000000Z-abc123',
  at: '2026-01-01T00:00:00.000Z',
  source: 'uid:4079',
  kind: 'local',
  cause: 'spam',
  mode: 'live',
  state: 'tripped',
  verdict: 'spam',
  score: 7,
  reasons: ['8 different envelope senders in 8 messages', '<script>alert(1)</script>'],
  messages: 8,
  recipients: 8,
  firstSeen: '2025-12-31T23:59:52.000Z',
  secondsFromFirstMessage: 8,
  rate: { messages: 8, recipients: 8 },
  sampleQueueIds: ['A1B2C3D4E5'],
  actions: [
    { action: 'queue-hold', target: 'uid:4079', id: 'act-1', ok: true, notes: [] },
    { action: 'block-submit', target: 'uid:4079', id: 'act-2', ok: true, notes: [] },
  ],
};

describe('the watcher on the admin overview', () => {
  let app: TestApp;
  const undone: string[] = [];
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-ui-'));
    writeFileSync(join(dir, 'trips.jsonl'), JSON.stringify(TRIP) + '\n');
    writeFileSync(
      join(dir, 'dnsbl.json'),
      JSON.stringify({
        checkedAt: '2026-01-01T00:00:00.000Z', addresses: [], notes: [], cached: 0, changes: [],
        results: [
          { address: '192.0.2.25', zone: 'zen.spamhaus.org', list: 'Spamhaus ZEN', state: 'listed', meaning: ['XBL: CBL data'], codes: ['127.0.0.4'], text: null, ttl: 300, checkedAt: '2026-01-01T00:00:00.000Z', delist: '' },
          { address: '192.0.2.25', zone: 'bl.spamcop.net', list: 'SpamCop', state: 'cannot-check', meaning: ['the query failed: ETIMEOUT'], codes: [], text: null, ttl: 120, checkedAt: '2026-01-01T00:00:00.000Z', delist: '' },
        ],
      }),
    );
    const watch = watchView(dir, async (id, actor) => {
      undone.push(`${id} by ${actor}`);
      return { ok: true, observations: ['undone'] };
    });
    app = await startTestApp({ deps: { watch } });
  });
  after(() => app.close());

  test('shows the trip (its reasons escaped) and each address per blocklist', async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(html, /id="watch-trips"/);
    assert.match(html, /<code>uid:4079<\/code>/);
    assert.match(html, /stopped: mail held, sending blocked/);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;') && !html.includes('<script>alert(1)'));
    assert.match(html, /<tr class="dnsbl-listed"><td><code>192\.0\.2\.25<\/code><\/td><td>Spamhaus ZEN<\/td><td>listed: XBL: CBL data<\/td>/);
    assert.match(html, /<td>cannot check: the query failed: ETIMEOUT<\/td>/);
    assert.doesNotMatch(html, /DNSBL check: not configured/);
  });

  test('one click releases the trip: every action undone, newest first, by the admin', async () => {
    const admin = await signIn(app, 'admin');
    const r = await form(`${app.url}/watch/trips/${TRIP.id}/release`, { _csrf: admin.csrf }, admin.cookie);
    assert.equal(r.status, 303);
    assert.deepEqual(undone, ['act-2 by panel:admin', 'act-1 by panel:admin']);
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(html, /released by panel:admin/);
    const again = await form(`${app.url}/watch/trips/${TRIP.id}/release`, { _csrf: admin.csrf }, admin.cookie);
    assert.equal(again.status, 400, 'a released trip is not released twice');
  });
});
