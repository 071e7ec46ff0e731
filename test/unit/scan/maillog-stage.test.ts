import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NO_POSTFIX_LOG_SETTINGS } from '../../../src/collect/maillog';
import { SkipTally } from '../../../src/collect/skip-tally';
import { MapUserDirectory } from '../../../src/collect/users/passwd';
import { LocalHost } from '../../../src/host/local-host';
import { packageRoot } from '../../../src/package-root';
import { readMailLogInto } from '../../../src/scan/maillog-stage';
import type { QueuedRef } from '../../../src/scan/queue-log-merge';
import { SubmissionLog } from '../../../src/scan/submission-log';
import { SourceTracer } from '../../../src/trace/source-tracer';
import { tempLogDir, writeLog } from '../collect/maillog/maillog-files';

const quiet = { update: () => undefined, end: () => undefined };

async function stage(paths: string[], queued = new Map<string, QueuedRef>()) {
  const tracer = new SourceTracer();
  const r = await readMailLogInto(
    new LocalHost('test'),
    { paths, defaultPaths: null, since: new Date(2026, 0, 1), until: null, now: new Date(2026, 11, 1), postfix: NO_POSTFIX_LOG_SETTINGS },
    { tracer, submissions: new SubmissionLog(), queued },
    new SkipTally(),
    quiet,
  );
  return { ...r, sources: new Map(tracer.finish(new MapUserDirectory([])).map((s) => [s.id, s])) };
}

const reused = (day: string) => [
  `Mar ${day} 09:00:00 web1 postfix/pickup[100]: 4B5C6D7E8F9: uid=4079 from=<info@example.de>`,
  `Mar ${day} 09:00:00 web1 postfix/qmgr[102]: 4B5C6D7E8F9: from=<info@example.de>, size=900, nrcpt=1 (queue active)`,
  `Mar ${day} 09:00:01 web1 postfix/smtp[103]: 4B5C6D7E8F9: to=<kunde${day}@example.com>, relay=mx.example.com[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)`,
  `Mar ${day} 09:00:01 web1 postfix/qmgr[102]: 4B5C6D7E8F9: removed`,
];

test('--no-queue: two messages of uid 4079 under one reused queue ID a day apart count as 2 (as pflogsumm)', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', [...reused('03'), ...reused('04')], new Date(2026, 2, 4, 10));
    const r = await stage([path]);
    assert.equal(r.summary.messages, 2);
    assert.equal(r.summary.alsoInQueue, 0);
    assert.equal(r.sources.get('uid:4079')!.messages, 2);
  } finally {
    t.cleanup();
  }
});

test('with the queue read: only the lifetime the queue holds is "also in the queue"; the older one is added', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', [...reused('03'), ...reused('04')], new Date(2026, 2, 4, 10));
    const queued = new Map([['4B5C6D7E8F9', { key: 'uid:4079', arrival: new Date(2026, 2, 4, 9, 0, 0).getTime() }]]);
    const r = await stage([path], queued);
    assert.equal(r.summary.alsoInQueue, 1);
    assert.equal(r.summary.fromLogOnly, 1);
    assert.deepEqual(r.sources.get('uid:4079')!.recipientDomains, [{ domain: 'example.com', count: 1 }]);
  } finally {
    t.cleanup();
  }
});

test("root's cron mails forwarded by the root alias count once each, not twice (lab log: 3 cron mails)", async () => {
  const r = await stage([join(packageRoot(), 'test', 'fixtures', 'maillog', 'lab-mixed-full.mail.log.gz')]);
  const root = r.sources.get('uid:0')!;
  assert.equal(root.messages, 3);
  assert.equal(root.forwardedRecipients, 3);
  assert.equal(r.summary.forwardedCopies, 3);
  assert.equal(r.summary.messages, 128);
});

test('the scanned host\'s zone reaches the mail log reader: submission times move with it', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', reused('03'), new Date(2026, 2, 4, 10));
    const read = async (utcOffsetMinutes: number | null) => {
      const submissions = new SubmissionLog();
      await readMailLogInto(
        new LocalHost('test'),
        { paths: [path], defaultPaths: null, since: new Date(2026, 0, 1), until: null, now: new Date(2026, 11, 1), postfix: NO_POSTFIX_LOG_SETTINGS, utcOffsetMinutes },
        { tracer: new SourceTracer(), submissions, queued: new Map() },
        new SkipTally(),
        quiet,
      );
      return submissions.of('uid:4079').map((s) => s.time.toISOString());
    };
    assert.deepEqual(await read(120), ['2026-03-03T07:00:00.000Z'], 'written at UTC+2');
    assert.deepEqual(await read(-420), ['2026-03-03T16:00:00.000Z'], 'written at UTC-7');
  } finally {
    t.cleanup();
  }
});
