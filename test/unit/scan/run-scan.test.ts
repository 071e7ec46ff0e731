import { parseScanArgs } from '../../../src/cli/scan-args';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScan } from '../../../src/scan/run-scan';
import { LocalHost } from '../../../src/host/local-host';
import { silentLogger } from '../../../src/log';
import { isSpamtraceError } from '../../../src/errors';

class UserHost extends LocalHost {
  readonly asked: string[] = [];
  override async effectiveUid(): Promise<number> {
    return 1000;
  }
  override run(program: string, args: readonly string[]): ReturnType<LocalHost['run']> {
    this.asked.push(program);
    return super.run(program, args);
  }
}

test('a live scan as a normal user stops with E_NOT_ROOT before running anything', async () => {
  const host = new UserHost('test');
  const deps = { host, logger: silentLogger(), progress: { update: () => undefined, end: () => undefined }, now: () => new Date() };
  await assert.rejects(
    runScan(parseScanArgs([]), deps),
    (e) => isSpamtraceError(e) && e.code === 'E_NOT_ROOT' && /--queue-file/.test(e.message),
  );
  assert.deepEqual(host.asked, []);
});
