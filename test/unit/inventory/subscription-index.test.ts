import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Subscription } from '../../../src/domain/subscription';
import { subscriptionIndex } from '../../../src/inventory/subscription-index';

function sub(id: string, uid: number | null, sysUser: string | null, domains: string[]): Subscription {
  return { id, panel: 'plesk', domains, sysUser, uid, homeDir: null, docRoots: [], logDirs: [], mailboxes: [], customer: null, reseller: null };
}

const example = sub('example.de', 5001, 'kunde1', ['example.de', 'zweite-domain.com', 'shop.example.de']);
const shopOwn = sub('blog.shop.example.de', 5003, 'blogger', ['blog.shop.example.de']);
const confixx = sub('web274', 4079, 'web274', []);
const idn = sub('xn--bcher-kva.de', 5004, 'buch', ['xn--bcher-kva.de']);
const index = subscriptionIndex([example, shopOwn, confixx, idn]);

test('the seed uid 4079 finds web274, by uid and by name', () => {
  assert.deepEqual(index.byUid(4079), [confixx]);
  assert.deepEqual(index.byUser('web274'), [confixx]);
  assert.deepEqual(index.byUid(9999), []);
  assert.deepEqual(index.byUser('WEB274'), [], 'user names are case-sensitive, as in passwd');
});

test('a subdomain without its own subscription finds its parent domain\'s', () => {
  assert.deepEqual(index.byDomain('www.zweite-domain.com'), [example]);
  assert.deepEqual(index.byDomain('deep.er.example.de'), [example]);
  assert.deepEqual(index.byDomain('EXAMPLE.DE.'), [example]);
});

test('an exact match wins over the parent domain', () => {
  assert.deepEqual(index.byDomain('blog.shop.example.de'), [shopOwn]);
  assert.deepEqual(index.byDomain('x.blog.shop.example.de'), [shopOwn]);
  assert.deepEqual(index.byDomain('shop.example.de'), [example]);
});

test('no match climbs to a bare top-level label, and junk finds nothing', () => {
  const withTld = subscriptionIndex([sub('odd', 1, 'odd', ['de'])]);
  assert.deepEqual(withTld.byDomain('unknown.de'), []);
  assert.deepEqual(index.byDomain('unknown.de'), []);
  assert.deepEqual(index.byDomain('example.de\nevil'), []);
  assert.deepEqual(index.byDomain(''), []);
});

test('an IDN finds its subscription in unicode and in punycode', () => {
  assert.deepEqual(index.byDomain('www.bücher.de'), [idn]);
  assert.deepEqual(index.byDomain('xn--bcher-kva.de'), [idn]);
});

test('a uid shared by two sources gives both, for the caller to judge', () => {
  const twice = subscriptionIndex([confixx, { ...confixx, id: 'static-web274', panel: 'static' }]);
  assert.equal(twice.byUid(4079).length, 2);
});
