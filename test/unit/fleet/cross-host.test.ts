import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Report, ReportSource } from '../../../src/domain/report';
import type { ScriptFinding } from '../../../src/domain/findings';
import { crossHostFindings, scriptName } from '../../../src/fleet/cross-host';

function source(over: Partial<ReportSource>): ReportSource {
  return { id: 'uid:1', kind: 'local', verdict: 'spam', clientAddresses: [], phpScripts: [], scripts: [], ...over } as ReportSource;
}
function script(urlPath: string, clients: string[], signals = 1): ScriptFinding {
  return {
    urlPath,
    filePath: `/var/www/x${urlPath}`,
    clients: clients.map((value) => ({ value, count: 3 })),
    signals: Array.from({ length: signals }, () => ({ id: 'random-name', text: 'random' })),
  } as ScriptFinding;
}
function report(sources: ReportSource[]): Report {
  return { sources } as Report;
}

test('a dropped script name and its bot address on two hosts are called out, with the paths on each', () => {
  const r = crossHostFindings([
    { host: 'web1', report: report([source({ id: 'uid:4079', scripts: [script('/wp-content/uploads/kqzvmx.php', ['185.220.101.47'])] })]) },
    { host: 'web2', report: report([source({ id: 'uid:10001', scripts: [script('/images/kqzvmx.php?x=1', ['185.220.101.47', '2003::1'])] })]) },
    { host: 'web3', report: report([source({ id: 'uid:5', scripts: [script('/other.php', ['10.1.1.1'])] })]) },
  ]);
  assert.deepEqual(r.scripts.map((s) => [s.value, s.hosts.map((h) => h.host)]), [['kqzvmx.php', ['web1', 'web2']]]);
  assert.deepEqual(r.scripts[0]!.hosts[0]!.paths, ['/var/www/x/wp-content/uploads/kqzvmx.php']);
  assert.deepEqual(r.ips.map((i) => [i.value, i.as, i.hosts.length]), [['185.220.101.47', ['script client'], 2]]);
});

test('normal sources, harmless scripts and loopback clients are not a campaign', () => {
  const r = crossHostFindings([
    { host: 'a', report: report([source({ verdict: 'normal', id: 'uid:10003', scripts: [script('/kontakt.php', ['91.0.0.1'], 0)], phpScripts: ['kontakt.php'] }), source({ id: 'client:127.0.0.1', kind: 'smtp-client', clientAddresses: ['127.0.0.1'] })]) },
    { host: 'b', report: report([source({ verdict: 'normal', id: 'uid:10003', scripts: [script('/kontakt.php', ['91.0.0.1'], 0)], phpScripts: ['kontakt.php'] }), source({ id: 'client:127.0.0.1', kind: 'smtp-client', clientAddresses: ['127.0.0.1'] })]) },
  ]);
  assert.deepEqual(r, { ips: [], scripts: [] });
});

test('a SASL login client and an eval()d script name count on spam sources', () => {
  const r = crossHostFindings([
    { host: 'a', report: report([source({ id: 'sasl:x@y', kind: 'sasl', clientAddresses: ['93.120.196.244'] }), source({ phpScripts: ["xmlrpc.php(2) : eval()'d code"] })]) },
    { host: 'b', report: report([source({ id: 'sasl:z@w', kind: 'sasl', clientAddresses: ['93.120.196.244'] }), source({ phpScripts: ['xmlrpc.php'] })]) },
  ]);
  assert.deepEqual(r.ips.map((i) => [i.value, i.as]), [['93.120.196.244', ['SASL login client']]]);
  assert.deepEqual(r.scripts.map((s) => s.value), ['xmlrpc.php']);
  assert.equal(scriptName('/a/b/c.php?q=/x'), 'c.php');
});
