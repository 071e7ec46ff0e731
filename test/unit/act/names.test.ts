import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSaslLogin, checkUserName, parseSourceTarget } from '../../../src/act/names';

test('queue sources are read in the scan report\'s form', () => {
  assert.deepEqual(parseSourceTarget('uid:4079'), { kind: 'uid', uid: 4079 });
  assert.deepEqual(parseSourceTarget('user:web274'), { kind: 'user', user: 'web274' });
  assert.deepEqual(parseSourceTarget('sasl:Kontakt@Kunde-Beispiel.de'), { kind: 'sasl', login: 'kontakt@kunde-beispiel.de' });
  assert.deepEqual(parseSourceTarget('client:192.0.2.77'), { kind: 'client', address: '192.0.2.77' });
});

for (const bad of ['uid:-1', 'uid:1e3', 'user:-h', 'user:a b', 'sasl:a b@c.de', 'sasl:x@y.de, static:anyone', 'client:1.2.3', 'client:a;b', '4079', 'mail:x']) {
  test(`a hostile or malformed source is refused before any command: ${JSON.stringify(bad)}`, () => {
    assert.throws(() => parseSourceTarget(bad), /E_USAGE|not|queue source/);
  });
}

test('user names that would be options or list syntax are refused', () => {
  for (const bad of ['-r', '!root', 'a,b', 'static:anyone', 'x/y', '']) assert.throws(() => checkUserName(bad));
  assert.equal(checkUserName('web274'), 'web274');
});

test('a SASL login with map syntax in it is refused', () => {
  for (const bad of ['a@b.de REJECT', 'a@b.de\tOK', '#x@y.de', 'x@-y.de', '-x@y.de', 'x@y..de']) assert.throws(() => checkSaslLogin(bad));
});
