import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeArg } from '../../../src/cli/time-window';
import { parseScanArgs } from '../../../src/cli/scan-args';
import { isSpamtraceError } from '../../../src/errors';

const NOW = new Date('2026-11-28T12:00:00Z');

test('--since takes durations back from now, summed', () => {
  assert.equal(parseTimeArg('--since', '24h', NOW).toISOString(), '2026-11-27T12:00:00.000Z');
  assert.equal(parseTimeArg('--since', '90m', NOW).toISOString(), '2026-11-28T10:30:00.000Z');
  assert.equal(parseTimeArg('--since', '1h30m', NOW).toISOString(), '2026-11-28T10:30:00.000Z');
  assert.equal(parseTimeArg('--since', '7d', NOW).toISOString(), '2026-11-21T12:00:00.000Z');
});

test('--since takes RFC 3339 times and plain dates', () => {
  assert.equal(parseTimeArg('--since', '2026-11-28T06:30:00Z', NOW).toISOString(), '2026-11-28T06:30:00.000Z');
  assert.equal(parseTimeArg('--since', '2026-11-28T06:30:00+01:00', NOW).toISOString(), '2026-11-28T05:30:00.000Z');
  const local = parseTimeArg('--since', '2026-11-28', NOW);
  assert.equal(local.getHours(), 0);
  assert.equal(local.getDate(), 28);
});

test('bad times are refused with the accepted forms named', () => {
  for (const bad of ['yesterday', '24', '-1h', '0h', '2026-13-45', '1y', '$(id)', '']) {
    assert.throws(
      () => parseTimeArg('--since', bad, NOW),
      (e: unknown) => isSpamtraceError(e) && e.code === 'E_USAGE' && /duration/.test(e.message),
      bad,
    );
  }
});

test('--no-queue needs --since and no offline queue files', () => {
  assert.throws(() => parseScanArgs(['--no-queue'], NOW), /--since/);
  assert.throws(() => parseScanArgs(['--no-queue', '--since', '1h', '--demo'], NOW), /--no-queue/);
  const o = parseScanArgs(['--no-queue', '--since', '1h', '--maillog', '/a', '--maillog', '/b'], NOW);
  assert.equal(o.queue, false);
  assert.deepEqual(o.mailLogs, ['/a', '/b']);
  assert.equal(o.since?.toISOString(), '2026-11-28T11:00:00.000Z');
});

test('--until must follow --since', () => {
  assert.throws(() => parseScanArgs(['--until', '1h'], NOW), /needs --since/);
  assert.throws(() => parseScanArgs(['--since', '1h', '--until', '2h'], NOW), /later/);
});

test('defaults: queue and web logs on, no history window', () => {
  const o = parseScanArgs([], NOW);
  assert.equal(o.queue, true);
  assert.equal(o.webLogs, true);
  assert.equal(o.since, null);
  assert.equal(o.mailLogs, null);
});
