import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import type { FileInfo, NumberedLine, RunOptions, RunResult } from '../../../src/host/host';
import { RoutedHost } from '../../../src/fleet/routed-host';

class Recording extends LocalHost {
  readonly calls: string[] = [];
  override stat(p: string): Promise<FileInfo | null> {
    this.calls.push(`stat ${p}`);
    return super.stat(p);
  }
  override list(d: string): Promise<string[]> {
    this.calls.push(`list ${d}`);
    return super.list(d);
  }
  override run(program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push(`run ${program}`);
    return super.run(program, args, options);
  }
  override readChunks(p: string): AsyncIterable<Buffer> {
    this.calls.push(`readChunks ${p}`);
    return super.readChunks(p);
  }
}

test('web paths go to the web node, programs and everything else to the mail node; the name is the mail node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-routed-'));
  try {
    const www = join(dir, 'www');
    mkdirSync(join(www, 'web274', 'log'), { recursive: true });
    writeFileSync(join(www, 'web274', 'log', 'access_log'), 'x\n');
    const mail = new Recording('mx1');
    const web = new Recording('web1');
    const h = new RoutedHost(mail, web, [www]);
    assert.equal(h.name, 'mx1');
    assert.deepEqual(await h.list(join(www, 'web274', 'log')), ['access_log']);
    for await (const c of h.readChunks(join(www, 'web274', 'log', 'access_log'))) assert.equal(c.toString(), 'x\n');
    await h.stat('/etc/passwd');
    await h.stat(`${www}-other/x`); // a sibling with the same prefix is not under the root
    await h.run('realpath', ['-e', '--', join(www, 'web274', 'log', 'access_log')]);
    await h.run('id', ['-u']);
    assert.deepEqual(web.calls, [`list ${www}/web274/log`, `readChunks ${www}/web274/log/access_log`, 'run realpath']);
    assert.deepEqual(mail.calls, ['stat /etc/passwd', `stat ${www}-other/x`, 'run id']);
    assert.equal(h.hostFor(`${www}/../etc/shadow`), mail, 'a path climbing out of the root is not a web path');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** a node that filters files itself (as SshHost does): records where each grep ran */
class Grepping extends Recording {
  async *grepLines(p: string, needles: readonly string[]): AsyncIterable<NumberedLine> {
    this.calls.push(`grepLines ${p}`);
    let lineNo = 0;
    for await (const l of this.readLines(p)) {
      lineNo++;
      if (needles.some((n) => l.text.includes(n))) yield { lineNo, text: l.text, cut: l.cut };
    }
  }
}

test('an access log on the web node is filtered there, only its matching lines numbered as in the file; a node without grepLines turns it off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-routed-'));
  try {
    const www = join(dir, 'www');
    mkdirSync(join(www, 'web274', 'log'), { recursive: true });
    const log = join(www, 'web274', 'log', 'access_log');
    writeFileSync(log, 'GET /a\nPOST /kqzvmx.php\nGET /b\nPOST /kqzvmx.php?x\n');
    const other = join(dir, 'mail.log');
    writeFileSync(other, 'postfix kqzvmx.php\n');
    const mail = new Grepping('mx1');
    const web = new Grepping('web1');
    const h = new RoutedHost(mail, web, [www]);
    assert.ok(h.grepLines, 'both nodes filter: so does the pair');
    const got: NumberedLine[] = [];
    for await (const l of h.grepLines(log, ['kqzvmx.php'])) got.push(l);
    assert.deepEqual(got.map((l) => [l.lineNo, l.text]), [
      [2, 'POST /kqzvmx.php'],
      [4, 'POST /kqzvmx.php?x'],
    ]);
    for await (const _ of h.grepLines(other, ['kqzvmx.php'])) void _;
    assert.deepEqual(web.calls.filter((c) => c.startsWith('grepLines')), [`grepLines ${log}`]);
    assert.deepEqual(mail.calls.filter((c) => c.startsWith('grepLines')), [`grepLines ${other}`]);
    // a plain node (LocalHost has no grepLines): the caller must read the file itself
    assert.equal(new RoutedHost(new Recording('mx2'), web, [www]).grepLines, undefined);
    assert.equal(new RoutedHost(mail, new Recording('web2'), [www]).grepLines, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hosting panel is looked for on the web node first, then on the mail node', () => {
  const mail = new Recording('mx1');
  const web = new Recording('web1');
  assert.deepEqual(new RoutedHost(mail, web).panelHosts(), [web, mail]);
});
