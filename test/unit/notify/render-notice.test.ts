import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNoticeModel, pickLocale, type HosterAction } from '../../../src/notify/notice-model';
import { renderNotice } from '../../../src/notify/render-notice';
import type { ReportSource } from '../../../src/domain/report';
import { localSpamSource, saslSpamSource, SASL_ATTACKER, SCRIPT_ATTACKER, SCRIPT_PATH } from './report-fixture';

function render(source: ReportSource, locale: 'de' | 'en', actions: HosterAction[] = []) {
  return renderNotice(buildNoticeModel({ source, host: 'web01.hoster.example', locale, hosterName: 'Hoster GmbH', actions }));
}

test('the language follows the customer\'s locale: de, de-DE, de_AT are German, everything else English', () => {
  for (const l of ['de', 'de-DE', 'de_AT', 'DE']) assert.equal(pickLocale(l), 'de', l);
  for (const l of ['en', 'en-GB', 'fr', 'dk', '', null, undefined, 'deu']) assert.equal(pickLocale(l), 'en', String(l));
});

test('a German notice about a hacked upload names the script, the attacker and the steps, in German', () => {
  const r = render(localSpamSource(), 'de');
  assert.match(r.subject, /Spam-Versand aus Ihrem Hosting-Paket beispiel-shop\.de/);
  for (const part of [r.text, r.html]) {
    assert.ok(part.includes(SCRIPT_PATH), 'script path');
    assert.ok(part.includes(SCRIPT_ATTACKER), 'attacker IP');
    assert.match(part, /Was Sie tun müssen/i);
    assert.match(part, /Aktualisieren Sie Ihr CMS/);
    assert.match(part, /Upload-Ordner/);
    assert.match(part, /412/);
    assert.match(part, /2026-11-28 06:30 UTC/);
  }
  assert.doesNotMatch(r.text, /What you need to do/);
});

test('an English notice about a stolen login names the mailbox, the IP, and asks for a new password and device checks', () => {
  const r = render(saslSpamSource(), 'en');
  assert.match(r.subject, /Mailbox info@example-store\.com: spam sent, password probably stolen/);
  assert.ok(r.text.includes('info@example-store.com'));
  assert.ok(r.text.includes(SASL_ATTACKER));
  assert.match(r.text, /Change the password of the mailbox/);
  assert.match(r.text, /Check every device/);
  assert.match(r.text, /37 failed attempts/);
  assert.doesNotMatch(r.text, /Remove the files/);
});

test('a subject excerpt is escaped in HTML, shortened, and stripped of control and bidi characters', () => {
  const r = render(localSpamSource(), 'en');
  assert.ok(r.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!r.html.includes('<script>'));
  for (const part of [r.text, r.html, r.subject]) {
    assert.doesNotMatch(part, /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
  }
  assert.ok(!r.text.includes('whole year for you'), 'only a short excerpt of the spam');
});

test('what the hoster did is listed; without actions the notice says nothing was done yet', () => {
  const none = render(localSpamSource(), 'en');
  assert.match(none.text, /Nothing yet/);
  const done = render(localSpamSource(), 'de', [
    { kind: 'held-mail', count: 412 },
    { kind: 'blocked-submission', target: 'web274' },
    { kind: 'quarantined-file', target: SCRIPT_PATH },
    { kind: 'other', text: 'Passwort <zurückgesetzt>' },
  ]);
  assert.match(done.text, /412 wartende Spam-Nachrichten angehalten/);
  assert.match(done.text, /E-Mail-Versand für web274 gesperrt/);
  assert.match(done.text, /xmlrpclAag\.php in Quarantäne verschoben/);
  assert.ok(done.html.includes('Passwort &lt;zurückgesetzt&gt;'));
  assert.doesNotMatch(done.text, /Noch nichts/);
});

test('a hostile script path cannot add lines or markup to the notice', () => {
  const evil = localSpamSource();
  evil.scripts![0]!.filePath = '/var/www/x.php\n\nYOUR ACCOUNT IS CLOSED, pay at <a href="http://evil.example">here</a>';
  const r = render(evil, 'en');
  assert.doesNotMatch(r.text, /x\.php\n/);
  assert.ok(!r.html.includes('<a href'));
});

test('the notice carries no spam recipients, senders or message bodies', () => {
  const s = localSpamSource({ senders: [{ address: 'random123@spoofed.example', count: 5 }] });
  const r = render(s, 'en');
  assert.ok(!r.text.includes('random123@spoofed.example'));
  assert.ok(!r.html.includes('random123@spoofed.example'));
});
