import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainOfKey, readPostfixDomains, splitPostfixList } from '../../../../src/collect/hosted/postfix-domains';
import { FakeHost } from '../fake-host';
import { tempLogDir, writeLog } from '../maillog/maillog-files';

test('Postfix lists split on commas and blanks; inline:{ a, b } stays one item', () => {
  assert.deepEqual(splitPostfixList('example.de, $myhostname  localhost,,hash:/etc/postfix/vdomains inline:{ a.example, b.example }'), [
    'example.de', '$myhostname', 'localhost', 'hash:/etc/postfix/vdomains', 'inline:{ a.example, b.example }',
  ]);
});

test('table keys become domains: user@d and @d give d, junk gives nothing', () => {
  assert.equal(domainOfKey('info@Shop-Example.DE'), 'shop-example.de');
  assert.equal(domainOfKey('@verein-tsv.de'), 'verein-tsv.de');
  assert.equal(domainOfKey('praxis-weber.de.'), 'praxis-weber.de');
  assert.equal(domainOfKey('#comment'), null);
  assert.equal(domainOfKey('a b'), null);
});

test('postconf\'s four address classes, a domain file, an inline table and a hash map listed with postmap -s', async () => {
  const t = tempLogDir();
  try {
    const file = writeLog(t.dir, 'relay-domains', ['# relayed for customers', 'relay-kunde.example  other.example'], new Date());
    const host = new FakeHost((program, args) => {
      if (program === 'postconf') {
        assert.deepEqual(args, ['-x', 'mydestination', 'virtual_mailbox_domains', 'virtual_alias_domains', 'relay_domains']);
        // by name, in postconf's own order
        return { stdout: `relay_domains = ${file}\nmydestination = web01.hoster.example, localhost\nvirtual_alias_domains = inline:{ alias.example=x }, mysql:/etc/postfix/sql.cf\nvirtual_mailbox_domains = hash:/etc/postfix/vmailbox\n` };
      }
      if (program === 'postmap') {
        assert.deepEqual(args, ['-s', 'hash:/etc/postfix/vmailbox']);
        return { stdout: 'info@shop-example.de shop-example.de/info/\n@verein-tsv.de catchall\n' };
      }
      return { code: 1 };
    });
    const r = await readPostfixDomains(host);
    assert.deepEqual(r.domains.sort(), ['alias.example', 'localhost', 'other.example', 'relay-kunde.example', 'shop-example.de', 'verein-tsv.de', 'web01.hoster.example']);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /mysql: table cannot be listed/);
  } finally {
    t.cleanup();
  }
});

test('without postconf there are no Postfix domains, and a warning says the inventory is all there is', async () => {
  const r = await readPostfixDomains(new FakeHost(() => ({ spawnError: { code: 'ENOENT', message: 'no' } })));
  assert.deepEqual(r.domains, []);
  assert.match(r.warnings[0]!, /panel inventory only/);
});
