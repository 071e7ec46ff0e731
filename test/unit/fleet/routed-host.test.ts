import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import type { FileInfo, RunOptions, RunResult } from '../../../src/host/host';
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
