/**
 * The Notices pages: the outbox listed and filtered, a notice previewed as it will be
 * sent (hostile text stays text, the HTML part is shown as its source), and the
 * decisions (approve, reject, retry) through the real review functions, audited with the
 * panel user; CSRF, reseller scope, customers refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFor, getNotice } from '../../../src/store';
import { csrfIn, form, get, signIn, startTestApp, type TestApp } from './harness';
import { deliverRefused, seedNotices, type SeededNotices } from './notices-fixture';

const state = (app: TestApp, id: number) => getNotice(app.store, id)?.state;

describe('the Notices pages', () => {
  let app: TestApp;
  let ids: SeededNotices;
  before(async () => {
    app = await startTestApp();
    ids = await seedNotices(app.store);
  });
  after(() => app.close());

  test('the admin sees every notice awaiting approval, filterable, and linked from the overview and the subscription page', async () => {
    const admin = await signIn(app, 'admin');
    const all = await (await get(`${app.url}/notices`, admin.cookie)).text();
    assert.match(all, new RegExp(`data-id="${ids.web274}" data-state="awaiting-approval"`));
    assert.match(all, new RegExp(`data-id="${ids.kunde}" data-state="awaiting-approval"`));
    assert.match(all, /owner@web274-example\.de/);
    assert.match(all, /spamtrace notify send/, 'the page says what delivers an approved notice');
    const awaiting = await (await get(`${app.url}/notices?state=awaiting-approval`, admin.cookie)).text();
    assert.equal((awaiting.match(/class="notice-row"/g) ?? []).length, 2);
    const sent = await (await get(`${app.url}/notices?state=sent`, admin.cookie)).text();
    assert.equal((sent.match(/class="notice-row"/g) ?? []).length, 0);
    assert.match(sent, /id="notices-none"/);

    const overview = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(overview, /href="\/notices\?state=awaiting-approval">Customer notices awaiting approval: 2</);
    const sub = await (await get(`${app.url}/subscriptions/web274`, admin.cookie)).text();
    assert.match(sub, new RegExp(`<li class="notice-row" data-id="${ids.web274}" data-state="awaiting-approval"><a href="/notices/${ids.web274}"`));
    assert.ok(!sub.includes(`data-id="${ids.kunde}"`), 'only this subscription\'s notices');
    const bySub = await (await get(`${app.url}/notices?subscription=kunde`, admin.cookie)).text();
    assert.ok(bySub.includes(`data-id="${ids.kunde}"`) && !bySub.includes(`data-id="${ids.web274}"`));
  });

  test('the preview is the notice in the customer\'s language; a <script> subject excerpt and the HTML part stay text', async () => {
    const admin = await signIn(app, 'admin');
    const row = getNotice(app.store, ids.web274)!;
    assert.equal(row.locale, 'de');
    assert.ok(row.text_body.includes('<script>alert(1)</script>'), 'the fixture notice quotes the hostile subject');
    const res = await get(`${app.url}/notices/${ids.web274}`, admin.cookie);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'escaped excerpt');
    assert.ok(!html.includes('<script>alert'), 'never markup');
    assert.ok(!html.includes('<img src=x'), 'never markup');
    assert.match(html, /<code id="notice-locale">de<\/code>/);
    assert.match(html, /Beispiel-Betreff/, 'the German text');
    // the HTML part is shown as its source, never rendered: its first tag appears escaped
    const firstTag = /<[a-z][^>]*>/i.exec(row.html_body)![0];
    assert.ok(html.includes(firstTag.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;')), `escaped ${firstTag}`);
    assert.ok(html.includes(`<code id="notice-subject">${row.subject.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;')}</code>`));
    assert.match(html, /class="notice-approve"/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  test('the Notices pages carry no inline script, event handler or inline style (the CSP would block them)', async () => {
    const admin = await signIn(app, 'admin');
    const r1 = await signIn(app, 'r1');
    for (const [path, cookie] of [['/notices', admin.cookie], [`/notices/${ids.web274}`, admin.cookie], ['/notices?state=awaiting-approval', r1.cookie], [`/notices/${ids.web274}`, r1.cookie]] as const) {
      const html = await (await get(app.url + path, cookie)).text();
      for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc="\/static\/[a-z-]+\.js"/, `${path}: ${tag}`);
      assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, `${path} has an event handler attribute`);
      assert.doesNotMatch(html, /style="/i, `${path} has an inline style`);
      assert.doesNotMatch(html, /<iframe/i);
    }
  });

  test('approve without the CSRF token is refused and changes nothing; with it the notice is queued and audited with the panel user', async () => {
    const admin = await signIn(app, 'admin');
    const no = await form(`${app.url}/notices/${ids.web274}/approve`, {}, admin.cookie);
    assert.equal(no.status, 403);
    const wrong = await form(`${app.url}/notices/${ids.web274}/approve`, { _csrf: 'x'.repeat(admin.csrf.length) }, admin.cookie);
    assert.equal(wrong.status, 403);
    assert.equal(state(app, ids.web274), 'awaiting-approval');

    const page = await (await get(`${app.url}/notices/${ids.web274}`, admin.cookie)).text();
    const r = await form(`${app.url}/notices/${ids.web274}/approve`, { _csrf: csrfIn(page) }, admin.cookie);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/notices/${ids.web274}?done=approve`);
    assert.equal(state(app, ids.web274), 'queued');
    const audit = auditFor(app.store, `notice:${ids.web274}`).find((a) => a.action === 'notice.approve');
    assert.ok(audit, 'audit row');
    assert.equal(audit.actor, 'panel:admin');
    assert.deepEqual(JSON.parse(audit.after_json!), { state: 'queued' });
    const after = await (await get(`${app.url}${r.headers.get('location')}`, admin.cookie)).text();
    assert.match(after, /id="notice-done">Approved: the notice is queued\./);
    assert.ok(!after.includes('class="notice-approve"'), 'no second approve');

    // approving again: the notice is no longer waiting, so 409 with the reason, nothing changes
    const again = await form(`${app.url}/notices/${ids.web274}/approve`, { _csrf: admin.csrf }, admin.cookie);
    assert.equal(again.status, 409);
    assert.match(await again.text(), /is queued; approve needs awaiting-approval/);
  });

  test('a failed notice shows the mail server\'s error escaped; the admin retries it, a reseller may not', async () => {
    await deliverRefused(app.store);
    assert.equal(state(app, ids.web274), 'failed-permanent');
    const admin = await signIn(app, 'admin');
    const list = await (await get(`${app.url}/notices?state=failed-permanent`, admin.cookie)).text();
    assert.match(list, /Recipient address rejected: &lt;script&gt;x&lt;\/script&gt;/);
    assert.ok(!list.includes('<script>x'));

    const r1 = await signIn(app, 'r1');
    const r1page = await (await get(`${app.url}/notices/${ids.web274}`, r1.cookie)).text();
    assert.ok(!r1page.includes('class="notice-retry"'), 'no retry button for a reseller');
    assert.equal((await form(`${app.url}/notices/${ids.web274}/retry`, { _csrf: r1.csrf }, r1.cookie)).status, 403);
    assert.equal(state(app, ids.web274), 'failed-permanent');

    const page = await (await get(`${app.url}/notices/${ids.web274}`, admin.cookie)).text();
    assert.match(page, /class="notice-retry"/);
    const r = await form(`${app.url}/notices/${ids.web274}/retry`, { _csrf: csrfIn(page) }, admin.cookie);
    assert.equal(r.status, 303);
    assert.equal(state(app, ids.web274), 'queued');
    assert.equal(auditFor(app.store, `notice:${ids.web274}`).find((a) => a.action === 'notice.retry')?.actor, 'panel:admin');
  });

  test('a reseller sees and decides only its own customers\' notices; a customer gets 403', async () => {
    const r1 = await signIn(app, 'r1');
    const list = await (await get(`${app.url}/notices`, r1.cookie)).text();
    assert.ok(list.includes(`data-id="${ids.web274}"`));
    assert.ok(!list.includes(`data-id="${ids.kunde}"`) && !list.includes('chef@kunde-beispiel.de'));
    assert.equal((await get(`${app.url}/notices/${ids.kunde}`, r1.cookie)).status, 403);
    assert.equal((await get(`${app.url}/notices/99999`, r1.cookie)).status, 403, 'no probing for ids');
    assert.equal((await form(`${app.url}/notices/${ids.kunde}/approve`, { _csrf: r1.csrf }, r1.cookie)).status, 403);
    assert.equal((await form(`${app.url}/notices/${ids.kunde}/reject`, { _csrf: r1.csrf }, r1.cookie)).status, 403);
    assert.equal(state(app, ids.kunde), 'awaiting-approval');

    for (const who of ['k274', 'kkunde'] as const) {
      const c = await signIn(app, who);
      assert.equal((await get(`${app.url}/notices`, c.cookie)).status, 403);
      assert.equal((await get(`${app.url}/notices/${ids.kunde}`, c.cookie)).status, 403);
      assert.equal((await form(`${app.url}/notices/${ids.kunde}/approve`, { _csrf: c.csrf }, c.cookie)).status, 403);
    }
    assert.equal(state(app, ids.kunde), 'awaiting-approval');

    // r2 owns kunde: it rejects it, audited with its panel login
    const r2 = await signIn(app, 'r2');
    const page = await (await get(`${app.url}/notices/${ids.kunde}`, r2.cookie)).text();
    assert.match(page, /class="notice-approve"/);
    const r = await form(`${app.url}/notices/${ids.kunde}/reject`, { _csrf: csrfIn(page) }, r2.cookie);
    assert.equal(r.status, 303);
    assert.equal(state(app, ids.kunde), 'rejected');
    const audit = auditFor(app.store, `notice:${ids.kunde}`).find((a) => a.action === 'notice.reject');
    assert.equal(audit?.actor, 'panel:r2');
    assert.match(await (await get(`${app.url}/notices/${ids.kunde}?done=reject`, r2.cookie)).text(), /id="notice-done">Rejected/);
  });

  test('German texts on the Notices pages', async () => {
    const admin = await signIn(app, 'admin');
    await form(`${app.url}/lang`, { _csrf: admin.csrf, locale: 'de', back: '/notices' }, admin.cookie);
    const html = await (await get(`${app.url}/notices`, admin.cookie)).text();
    assert.match(html, /Kundenbenachrichtigungen/);
    assert.match(html, /wartet auf Freigabe/);
  });
});
