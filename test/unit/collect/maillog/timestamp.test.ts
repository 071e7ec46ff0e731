import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLineTime, YearClock, type LineTime } from '../../../../src/collect/maillog/timestamp';

function at(clockRef: Date, ...lines: string[]): (Date | null)[] {
  const clock = new YearClock();
  clock.startFile(clockRef);
  return lines.map((l) => clock.dateOf(parseLineTime(l)!));
}

test('a syslog time with a space-padded day is read as local time', () => {
  const t = parseLineTime('Feb  5 09:02:09 mx postfix/smtpd[1]: connect from x[1.2.3.4]') as Extract<LineTime, { kind: 'year-less' }>;
  assert.deepEqual({ ...t }, { kind: 'year-less', month: 1, day: 5, hour: 9, minute: 2, second: 9, length: 16 });
  assert.deepEqual(at(new Date(2024, 1, 6), 'Feb  5 09:02:09 mx x: y'), [new Date(2024, 1, 5, 9, 2, 9)]);
});

test("Postfix's own maillog_file time (zero-padded day) is read the same way", () => {
  // what Postfix 3.7's maillog_file wrote in the lab: strftime "%b %d %H:%M:%S"
  assert.deepEqual(at(new Date(2024, 1, 6), 'Feb 05 09:02:09 lab postfix/pickup[18577]: x'), [new Date(2024, 1, 5, 9, 2, 9)]);
});

test('an RFC 3339 time carries its own year, fraction and offset', () => {
  const t = parseLineTime('2024-02-05T09:02:09.123456+01:00 mx postfix/qmgr[7]: x');
  assert.ok(t && t.kind === 'absolute');
  assert.equal(t.date.toISOString(), '2024-02-05T08:02:09.123Z');
  assert.equal(t.length, '2024-02-05T09:02:09.123456+01:00 '.length);
  const z = parseLineTime('2024-02-05T09:02:09Z mx postfix/qmgr[7]: x');
  assert.ok(z && z.kind === 'absolute');
  assert.equal(z.date.toISOString(), '2024-02-05T09:02:09.000Z');
  // journalctl -o short-iso writes the offset without a colon
  const j = parseLineTime('2024-02-05T09:02:09-0500 mx postfix/qmgr[7]: x');
  assert.ok(j && j.kind === 'absolute');
  assert.equal(j.date.toISOString(), '2024-02-05T14:02:09.000Z');
});

test('lines that only look like times are not times', () => {
  for (const junk of ['', 'Foo  5 09:02:09 x y: z', 'Feb 45 09:02:09 x y: z', 'Feb 39 09:02:09 x y: z', 'feb  5 09:02:09 x y: z', '2024-13-05T09:02:09Z x y: z', 'Feb  5 09:02 x y: z', '   Feb  5 09:02:09 x']) {
    assert.equal(parseLineTime(junk), null, junk);
  }
});

test('a year-less time takes the year that puts it closest before the file was last written', () => {
  // a file last written on 2 January 2025 that holds 30 December: 2024
  assert.deepEqual(at(new Date(2025, 0, 2, 10), 'Dec 30 23:00:00 x y: z'), [new Date(2024, 11, 30, 23, 0, 0)]);
  // last written in March: February lines are the same year
  assert.deepEqual(at(new Date(2025, 2, 1), 'Feb 28 23:00:00 x y: z'), [new Date(2025, 1, 28, 23, 0, 0)]);
  // a line a few hours after the reference (clock skew, written during rotation) stays in that year
  assert.deepEqual(at(new Date(2025, 5, 1, 0, 0, 0), 'Jun  1 03:00:00 x y: z'), [new Date(2025, 5, 1, 3, 0, 0)]);
});

test('New Year inside one file: the jump from December back to January advances the year', () => {
  const dates = at(new Date(2025, 0, 1, 0, 10), 'Dec 31 23:59:58 x y: z', 'Jan  1 00:00:01 x y: z', 'Jan  1 00:05:00 x y: z');
  assert.deepEqual(dates, [new Date(2024, 11, 31, 23, 59, 58), new Date(2025, 0, 1, 0, 0, 1), new Date(2025, 0, 1, 0, 5, 0)]);
});

test('lines slightly out of order (a month back, not eleven) do not change the year', () => {
  const dates = at(new Date(2024, 3, 2), 'Apr  1 00:00:01 x y: z', 'Mar 31 23:59:59 x y: z');
  assert.deepEqual(dates, [new Date(2024, 3, 1, 0, 0, 1), new Date(2024, 2, 31, 23, 59, 59)]);
});

test('29 February exists only in leap years', () => {
  assert.deepEqual(at(new Date(2024, 2, 1), 'Feb 29 12:00:00 x y: z'), [new Date(2024, 1, 29, 12, 0, 0)]);
  assert.deepEqual(at(new Date(2023, 2, 1), 'Feb 29 12:00:00 x y: z'), [null]);
});

test('a year-less time is read in the zone the log was written in when it is given, not in this process\'s zone', () => {
  // the remote host is at UTC+10 (Sydney in summer): 09:02 there is 23:02 UTC the day before
  const sydney = new YearClock(600);
  sydney.startFile(new Date('2024-02-06T00:00:00Z'));
  assert.equal(sydney.dateOf(parseLineTime('Feb  5 09:02:09 mx x: y')!)?.toISOString(), '2024-02-04T23:02:09.000Z');
  // UTC-5: 09:02 there is 14:02 UTC
  const ny = new YearClock(-300);
  ny.startFile(new Date('2024-02-06T00:00:00Z'));
  assert.equal(ny.dateOf(parseLineTime('Feb  5 09:02:09 mx x: y')!)?.toISOString(), '2024-02-05T14:02:09.000Z');
  // the same line through this process's zone differs from both, whatever TZ the test runs in
  const here = at(new Date('2024-02-06T00:00:00Z'), 'Feb  5 09:02:09 mx x: y')[0]!;
  assert.equal(here.getTime(), new Date(2024, 1, 5, 9, 2, 9).getTime());
});

test('the year of a remote zone\'s New Year: Dec 31 23:59 written at UTC+10 is still the old year there', () => {
  // 05:00 UTC on Jan 1 2025 is 15:00 on Jan 1 at UTC+10: Dec 31 23:59 was 15 h earlier, 2024
  const clock = new YearClock(600);
  clock.startFile(new Date('2025-01-01T05:00:00Z'));
  assert.equal(clock.dateOf(parseLineTime('Dec 31 23:59:00 mx x: y')!)?.toISOString(), '2024-12-31T13:59:00.000Z');
  assert.equal(clock.dateOf(parseLineTime('Jan  1 00:30:00 mx x: y')!)?.toISOString(), '2024-12-31T14:30:00.000Z');
  assert.equal(clock.dateOf(parseLineTime('Feb 30 00:30:00 mx x: y')!), null, 'an impossible date on the remote calendar');
});
