import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapConfixx, lockFlag } from '../../../src/inventory/confixx/confixx-mapping';
import { checkCustomerLogin } from '../../../src/inventory/confixx/confixx-lock';
import type { ConfixxTables, Row } from '../../../src/inventory/confixx/confixx-tables';
import type { SystemUser } from '../../../src/domain/users';
import { isSpamtraceError } from '../../../src/errors';
import { ConfixxInventory } from '../../../src/inventory/confixx';
import { LocalHost } from '../../../src/host/local-host';

function tables(over: Partial<ConfixxTables> = {}): ConfixxTables {
  return {
    kunden: [],
    anbieter: [{ anbieter: 'res1', firma: 'Hosting Nord', emailadresse: 'Support@Hosting-Nord.example', firstname: '', name: '' }],
    domains: [],
    pop3: [],
    email: [],
    emailForward: [],
    missingColumns: [],
    ...over,
  };
}

function kunde(login: string, extra: Row = {}): Row {
  return { kunde: login, anbieter: 'res1', gesperrt: 0, emailadresse: '', firstname: '', name: '', firma: '', ...extra };
}

const none = new Map<string, SystemUser>();
const opts = { homeBase: '/var/www' };

test('customers come out in webN number order, not string order', () => {
  const r = mapConfixx(tables({ kunden: [kunde('web10'), kunde('web2'), kunde('web1')] }), none, opts);
  assert.deepEqual(r.subscriptions.map((s) => s.id), ['web1', 'web2', 'web10']);
});

test('the uid comes from the system account of the same name', () => {
  const accounts = new Map([['web7', { login: 'web7', uid: 4079, gid: 4079, gecos: '', home: '/var/www/web7', shell: '/bin/false' }]]);
  const r = mapConfixx(tables({ kunden: [kunde('web7')] }), accounts, opts);
  assert.equal(r.subscriptions[0]!.uid, 4079);
  assert.deepEqual(r.warnings, []);
});

test('a home directory outside the configured base is pointed out', () => {
  const accounts = new Map([['web7', { login: 'web7', uid: 4079, gid: 4079, gecos: '', home: '/home/www/web7', shell: '/bin/false' }]]);
  const r = mapConfixx(tables({ kunden: [kunde('web7')] }), accounts, { homeBase: '/var/www' });
  assert.match(r.warnings.join('\n'), /1 customer\(s\) have a home directory outside \/var\/www\/webN \(e\.g\. web7: "\/home\/www\/web7"\)/);
});

test('the company name wins over the person; an address is lower-cased', () => {
  const r = mapConfixx(
    tables({
      kunden: [
        kunde('web1', { firma: 'Bäckerei Kühn', firstname: 'Eva', name: 'Kühn', emailadresse: 'Eva@Kuehn.example' }),
        kunde('web2', { firstname: 'Eva', name: 'Kühn' }),
      ],
    }),
    none,
    opts,
  );
  assert.deepEqual(r.subscriptions[0]!.customer, { login: 'web1', name: 'Bäckerei Kühn', email: 'eva@kuehn.example' });
  assert.deepEqual(r.subscriptions[1]!.customer, { login: 'web2', name: 'Eva Kühn' });
  assert.deepEqual(r.subscriptions[0]!.reseller, { login: 'res1', name: 'Hosting Nord', email: 'support@hosting-nord.example' });
});

test('a reseller missing from anbieter is kept by login and reported', () => {
  const r = mapConfixx(tables({ kunden: [kunde('web1', { anbieter: 'res9' })] }), none, opts);
  assert.deepEqual(r.subscriptions[0]!.reseller, { login: 'res9' });
  assert.match(r.warnings.join('\n'), /1 reseller\(s\) named by customers are not in anbieter: "res9"/);
});

test('any gesperrt other than 0 counts as locked', () => {
  assert.deepEqual([0, 1, 2, '0', '1', '', null, 'ja'].map(lockFlag), [0, 1, 2, 0, 1, 0, 0, 1]);
  const r = mapConfixx(tables({ kunden: [kunde('web1', { gesperrt: 2 }), kunde('web2', { gesperrt: '0' })] }), none, opts);
  assert.deepEqual(r.subscriptions.map((s) => s.suspended), [true, false]);
});

test('real domains come before subdomains; names are lower-cased without the root dot', () => {
  const r = mapConfixx(
    tables({
      kunden: [kunde('web1')],
      domains: [
        { domain: 'www2.Beispiel.example', kunde: 'web1', richtigedomain: 0, pfad: '/www2/' },
        { domain: 'zeta.example.', kunde: 'web1', richtigedomain: 1, pfad: '/' },
        { domain: 'Alpha.example', kunde: 'web1', richtigedomain: 1, pfad: '/' },
      ],
    }),
    none,
    opts,
  );
  const s = r.subscriptions[0]!;
  assert.deepEqual(s.domains, ['alpha.example', 'zeta.example', 'www2.beispiel.example']);
  assert.deepEqual(s.docRoots, ['/var/www/web1/html', '/var/www/web1/html/www2']);
  assert.deepEqual(s.logDirs, ['/var/www/web1/log']);
});

test('addresses are linked to the pop3 box they forward to; outside targets are not boxes', () => {
  const r = mapConfixx(
    tables({
      kunden: [kunde('web9')],
      pop3: [{ account: 'web9p1', kunde: 'web9' }, { account: 'web9p3', kunde: 'web9' }],
      email: [
        { ident: 1, prefix: 'Info', domain: 'kunde9.example', kunde: 'web9' },
        { ident: 2, prefix: 'extern', domain: 'kunde9.example', kunde: 'web9' },
        { ident: 3, prefix: '*', domain: 'kunde9.example', kunde: 'web9' },
      ],
      emailForward: [
        { email_ident: 1, pop3: ' web9p1' },
        { email_ident: 2, pop3: 'someone@elsewhere.example' },
        { email_ident: 3, pop3: 'web8p1' },
      ],
    }),
    none,
    opts,
  );
  assert.deepEqual(r.subscriptions[0]!.mailboxes, [
    { address: 'info@kunde9.example', panelId: 'web9p1' },
    { address: 'extern@kunde9.example' },
    { address: '*@kunde9.example' },
    { address: 'web9p3', panelId: 'web9p3' },
  ]);
});

test('without an email_forward table addresses stay unlinked and it says so', () => {
  const r = mapConfixx(
    tables({
      kunden: [kunde('web9')],
      pop3: [{ account: 'web9p1', kunde: 'web9' }],
      email: [{ ident: 1, prefix: 'info', domain: 'kunde9.example', kunde: 'web9' }],
      emailForward: null,
      missingColumns: ['kunden.firma'],
    }),
    none,
    opts,
  );
  assert.deepEqual(r.subscriptions[0]!.mailboxes, [{ address: 'info@kunde9.example' }, { address: 'web9p1', panelId: 'web9p1' }]);
  assert.ok(r.warnings.includes('Confixx database has no email_forward table: addresses are not linked to their pop3 boxes'));
  assert.ok(r.warnings.includes('Confixx database lacks kunden.firma: those fields stay empty'));
});

test('hostile values never become paths or addresses, and each kind is counted once per reason', () => {
  const r = mapConfixx(
    tables({
      kunden: [kunde('web1'), kunde('web1', { firma: 'twin' }), kunde('../../root'), kunde('web1\u001b[2J')],
      domains: [
        { domain: 'ok.example', kunde: 'web1', richtigedomain: 1, pfad: '/../../../etc' },
        { domain: 'x.example/../../', kunde: 'web1', richtigedomain: 1, pfad: '/' },
      ],
      pop3: [{ account: 'web1p1; rm -rf /', kunde: 'web1' }],
      email: [{ ident: 1, prefix: 'a b', domain: 'ok.example', kunde: 'web1' }],
    }),
    none,
    opts,
  );
  assert.equal(r.subscriptions.length, 1);
  const s = r.subscriptions[0]!;
  assert.deepEqual(s.domains, ['ok.example']);
  assert.deepEqual(s.docRoots, ['/var/www/web1/html']);
  assert.deepEqual(s.mailboxes, []);
  const text = r.warnings.join('\n');
  assert.match(text, /2 customers skipped: not a webN login \(e\.g\. "\.\.\/\.\.\/root", "web1\\u001b\[2J"\)/);
  assert.match(text, /1 customers listed twice \(first row kept\)/);
  assert.match(text, /1 document paths skipped/);
  assert.match(text, /1 domains skipped: not a domain name/);
  assert.match(text, /1 pop3 boxes skipped/);
  assert.match(text, /1 e-mail addresses skipped: not a local part/);
  assert.ok(!text.includes('\u001b'), 'control characters are escaped in warnings');
});

test('a long hostile value is cut in the warning', () => {
  const r = mapConfixx(tables({ kunden: [kunde('x'.repeat(5000))] }), none, opts);
  assert.ok(r.warnings.join('\n').length < 200);
});

test('lock and unlock accept webN logins only', () => {
  assert.equal(checkCustomerLogin('web274'), 'web274');
  for (const bad of ['web0', 'web', 'WEB1', 'web1 ', "web1' --", 'res1', 'web12345678', '']) {
    assert.throws(() => checkCustomerLogin(bad), (e: unknown) => isSpamtraceError(e) && e.code === 'E_USAGE', bad);
  }
});

test('an address listed twice is kept once and counted', () => {
  const r = mapConfixx(
    tables({
      kunden: [kunde('web1')],
      email: [
        { ident: 1, prefix: 'info', domain: 'a.example', kunde: 'web1' },
        { ident: 2, prefix: 'INFO', domain: 'A.example', kunde: 'web1' },
      ],
    }),
    none,
    opts,
  );
  assert.deepEqual(r.subscriptions[0]!.mailboxes, [{ address: 'info@a.example' }]);
  assert.match(r.warnings.join('\n'), /1 e-mail addresses listed twice \(first kept\)/);
});

test('the home base must be an absolute path', () => {
  for (const bad of ['var/www', '/var/../etc']) {
    assert.throws(() => new ConfixxInventory({ host: new LocalHost(), homeBase: bad }), (e: unknown) => isSpamtraceError(e) && e.code === 'E_CONFIG', bad);
  }
  assert.doesNotThrow(() => new ConfixxInventory({ host: new LocalHost(), homeBase: '/srv/www/' }));
});
