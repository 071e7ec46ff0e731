import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAccessLogName, compareByAge, IGNORED } from '../../../../src/collect/accesslog/name-pattern';

// Real names from Plesk (/var/www/vhosts/system/D/logs), Confixx (/var/www/webN/log) and
// logrotate's dateext; `kind` null means the file is not read, with the reason given.
const TABLE: Array<[name: string, kind: string | null, live: boolean, gzip: boolean, rotation: number | null, date: string | null, ignored?: string]> = [
  ['access_log', 'access_log', true, false, null, null],
  ['access_ssl_log', 'access_ssl_log', true, false, null, null],
  ['proxy_access_log', 'proxy_access_log', true, false, null, null],
  ['proxy_access_ssl_log', 'proxy_access_ssl_log', true, false, null, null],
  ['access_log.processed', 'access_log', false, false, null, null],
  ['access_log.processed.1', 'access_log', false, false, 1, null],
  ['access_log.processed.1.gz', 'access_log', false, true, 1, null],
  ['access_ssl_log.processed.12.gz', 'access_ssl_log', false, true, 12, null],
  ['proxy_access_ssl_log.processed.3.gz', 'proxy_access_ssl_log', false, true, 3, null],
  ['access_log.1', 'access_log', false, false, 1, null],
  ['access_log.2.gz', 'access_log', false, true, 2, null],
  ['access_log-20140222', 'access_log', false, false, null, '20140222'],
  ['access_log-20140222.gz', 'access_log', false, true, null, '20140222'],
  ['access_log.processed-2014022206.gz', 'access_log', false, true, null, '2014022206'],
  ['access.log', 'access.log', true, false, null, null],
  ['access.log.1', 'access.log', false, false, 1, null],
  ['access.log.1.gz', 'access.log', false, true, 1, null],
  ['access.log.2014-02-22.gz', 'access.log', false, true, null, '20140222'],
  ['example.de-access.log', 'example.de-access.log', true, false, null, null],
  ['error_log', null, false, false, null, null, IGNORED.notAccess],
  ['error_log.processed.1.gz', null, false, false, null, null, IGNORED.notAccess],
  ['access_error_log', null, false, false, null, null, IGNORED.error],
  ['access_log.webstat', null, false, false, null, null, IGNORED.suffix],
  ['access_log.processed.1.bz2', null, false, false, null, null, IGNORED.compression],
  ['access_log.xz', null, false, false, null, null, IGNORED.compression],
  ['xferlog', null, false, false, null, null, IGNORED.notAccess],
  ['php.log', null, false, false, null, null, IGNORED.notAccess],
  ['', null, false, false, null, null, IGNORED.notAccess],
];

for (const [name, kind, live, gzip, rotation, date, ignored] of TABLE) {
  test(`the log file name ${JSON.stringify(name)} is ${kind === null ? `ignored (${ignored})` : `${kind}${live ? ', live' : ''}${gzip ? ', gzip' : ''}${rotation !== null ? `, rotation ${rotation}` : ''}${date ? `, dated ${date}` : ''}`}`, () => {
    const v = classifyAccessLogName(name);
    if (kind === null) {
      assert.deepEqual(v, { ok: false, ignored });
      return;
    }
    assert.equal(v.ok, true);
    if (!v.ok) return;
    assert.equal(v.name.kind, kind);
    assert.equal(v.name.live, live);
    assert.equal(v.name.gzip, gzip);
    assert.equal(v.name.rotation, rotation);
    assert.equal(v.name.date, date);
  });
}

test('names of one kind sort from the live file over .processed and .N to the oldest date', () => {
  const names = ['access_log-20140101.gz', 'access_log.processed.2.gz', 'access_log', 'access_log-20140201.gz', 'access_log.processed', 'access_log.processed.1.gz'];
  const sorted = names
    .map((n) => ({ n, v: classifyAccessLogName(n) }))
    .sort((a, b) => (a.v.ok && b.v.ok ? compareByAge(a.v.name, b.v.name) : 0))
    .map((x) => x.n);
  assert.deepEqual(sorted, ['access_log', 'access_log.processed', 'access_log.processed.1.gz', 'access_log.processed.2.gz', 'access_log-20140201.gz', 'access_log-20140101.gz']);
});

test('a hostile, very long file name is refused without work', () => {
  assert.deepEqual(classifyAccessLogName(`access_log${'.1'.repeat(5000)}`), { ok: false, ignored: IGNORED.notAccess });
});
