import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueFileReader } from '../../../src/collect/queue/queue-file-reader';
import { PostcatParser } from '../../../src/collect/queue/postcat-parser';
import { SpoolFiles } from '../../../src/collect/queue/spool-files';
import { parseQueueId } from '../../../src/collect/queue/queue-id';
import { SkipTally } from '../../../src/collect/skip-tally';
import type { QueueId, QueuedMessage } from '../../../src/domain/queue';
import { collectQueue } from '../../../src/collect/queue/queue-collector';
import { LocalHost } from '../../../src/host/local-host';
import type { RunResult, StreamedRun } from '../../../src/host/host';
import { encodeRecord, encodeRecords, ptr, simpleQueueFile, sizeRecord, type RecordSpec } from '../../helpers/queue-file-writer';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-qf-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function readBytes(bytes: Buffer, rel = 'deferred/A/AB2C4561DA6') {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, bytes);
  const skipped = new SkipTally();
  const r = new QueueFileReader(skipped).read(path, rel, new PostcatParser({ skipped }));
  return { ...r, skipped: skipped.list() };
}

/** The same message as postcat -e -h would print it, through the same parser. */
function viaPrintedText(lines: string[]): QueuedMessage {
  const p = new PostcatParser({ skipped: new SkipTally(), utcOffsetMinutes: 0 });
  let out: QueuedMessage | null = null;
  for (const l of lines) out = p.push(l) ?? out;
  return out ?? p.end()!;
}

test('a queue file reads as the message postcat -e -h prints for it', () => {
  const bytes = simpleQueueFile({
    arrival: 1_392_973_329,
    attributes: [['rewrite_context', 'local'], ['sasl_username', 'kontakt@kunde-beispiel.de'], ['client_address', '93.120.196.244']],
    sender: 'x1@web274-example.de',
    recipients: ['a1@aol.com', 'b2@yahoo.com'],
    headers: ['Received: by host (Postfix, from userid 4079)', '\tid AB2C4561DA6; Fri, 21 Feb 2014', 'Subject: =?UTF-8?B?w6TDtsO8?=', 'X-PHP-Originating-Script: 4079:xmlrpclAag.php'],
    body: ['Subject: not a header, the body', 'named_attribute: sasl_username=evil'],
    extracted: [['A', 'log_client_name=x'], ['R', 'extra@example.com']],
  });
  const r = readBytes(bytes);
  assert.equal(r.outcome, 'read');
  const D = 'deferred/A/AB2C4561DA6';
  const printed = viaPrintedText([
    `*** ENVELOPE RECORDS ${D} ***`,
    'message_size:             300             185               2               0             300',
    'message_arrival_time: Fri Feb 21 09:02:09 2014',
    'named_attribute: rewrite_context=local',
    'named_attribute: sasl_username=kontakt@kunde-beispiel.de',
    'named_attribute: client_address=93.120.196.244',
    'sender: x1@web274-example.de',
    'original_recipient: a1@aol.com',
    'recipient: a1@aol.com',
    'original_recipient: b2@yahoo.com',
    'recipient: b2@yahoo.com',
    `*** MESSAGE CONTENTS ${D} ***`,
    'Received: by host (Postfix, from userid 4079)',
    '\tid AB2C4561DA6; Fri, 21 Feb 2014',
    'Subject: =?UTF-8?B?w6TDtsO8?=',
    'X-PHP-Originating-Script: 4079:xmlrpclAag.php',
    `*** HEADER EXTRACTED ${D} ***`,
    'named_attribute: log_client_name=x',
    'recipient: extra@example.com',
    `*** MESSAGE FILE END ${D} ***`,
  ]);
  const m = r.message!;
  assert.equal(m.messageSize !== null && m.messageSize > 0, true);
  assert.deepEqual({ ...m, messageSize: null }, { ...printed, messageSize: null });
  assert.equal(m.arrivalTime!.toISOString(), '2014-02-21T09:02:09.000Z');
  assert.equal(m.queueName, 'deferred');
  assert.equal(m.headers.length, 3, 'the body never reaches the headers');
  assert.equal(m.attributes['sasl_username'], 'kontakt@kunde-beispiel.de');
  assert.deepEqual(r.skipped, []);
});

test('the body is skipped by the size record: even a broken record there is never read', () => {
  const good = simpleQueueFile({ body: ['x'] });
  // same length as the body record 'N' "x": a pointer-like junk record that would loop
  const bodyRec = encodeRecord('N', 'x');
  const at = good.indexOf(bodyRec, good.indexOf(encodeRecord('N', '')) + 1);
  assert.ok(at > 0);
  const broken = Buffer.from(good);
  broken[at] = 'p'.charCodeAt(0); // a pointer record with value "x": bad pointer if read
  const r = readBytes(broken);
  assert.equal(r.outcome, 'read');
  assert.deepEqual(r.skipped, []);
});

test('a header line split over L records is joined, a UTF-8 character split between them too', () => {
  const subject = Buffer.from('Subject: Grüße aus München', 'utf8');
  const cut = subject.indexOf(0xc3) + 1; // inside the two bytes of "ü"
  const records: RecordSpec[] = [
    sizeRecord(0, 0),
    ['T', '1700000000 0'],
    ['S', 's@example.org'],
    ['R', 'r@example.org'],
    ['M', ''],
    ['L', subject.subarray(0, cut)],
    ['L', subject.subarray(cut, cut + 3)],
    ['N', subject.subarray(cut + 3)],
    ['N', ''],
    ['X', ''],
    ['E', ''],
  ];
  const r = readBytes(encodeRecords(records));
  assert.equal(r.outcome, 'read');
  assert.deepEqual(r.message!.headers, [{ name: 'subject', value: 'Grüße aus München' }]);
});

test('pointer records are followed to a header rewritten after the end record; dummies are passed', () => {
  // cleanup's layout: headers, a dummy pointer after them; an edit replaces a header by
  // a pointer into the heap after 'E', which points back after itself.
  const head: RecordSpec[] = [sizeRecord(0, 0), ['T', '1700000000 0'], ['S', 's@example.org'], ['R', 'r@example.org'], ptr(0), ['M', '']];
  const headBytes = encodeRecords(head);
  const subjectPtrAt = headBytes.length;
  const ptrLen = encodeRecord(...ptr(0)).length;
  const afterPtr = subjectPtrAt + ptrLen;
  const rest = encodeRecords([['N', 'From: a@example.org'], ['N', ''], ['N', 'body'], ['X', ''], ['E', '']]);
  const heapAt = subjectPtrAt + ptrLen + rest.length;
  const heap = encodeRecords([['N', 'Subject: rewritten'], ptr(afterPtr)]);
  const file = Buffer.concat([headBytes, encodeRecord(...ptr(heapAt)), rest, heap]);
  const r = readBytes(file);
  assert.equal(r.outcome, 'read');
  assert.deepEqual(r.message!.headers.map((h) => `${h.name}: ${h.value}`), ['subject: rewritten', 'from: a@example.org']);
});

test('a pointer loop ends as a damaged message, not a hang', () => {
  const head = encodeRecords([sizeRecord(0, 0), ['T', '1700000000 0'], ['S', 's@example.org']]);
  const file = Buffer.concat([head, encodeRecord(...ptr(head.length))]); // points at itself
  const r = readBytes(file);
  assert.equal(r.outcome, 'damaged');
  assert.ok(r.message!.damaged > 0);
  assert.match(JSON.stringify(r.skipped), /pointer records loop/);
});

test('an address holding a newline stays one value: it cannot smuggle in an attribute', () => {
  const r = readBytes(simpleQueueFile({ sender: 'a@b.example\nnamed_attribute: sasl_username=evil', attributes: [['rewrite_context', 'local']] }));
  assert.equal(r.outcome, 'read');
  assert.equal(r.message!.attributes['sasl_username'], undefined);
  assert.equal(r.message!.sender, 'a@b.examplenamed_attribute: sasl_username=evil', 'control characters removed, as from printed text');
});

test('attributes: blanks trimmed as split_nameval() does; one without "=" is counted, not kept', () => {
  const r = readBytes(simpleQueueFile({ attributes: [['  client_name ', ' mail.example.net  ']] }));
  assert.equal(r.message!.attributes['client_name'], 'mail.example.net');
  const bad = readBytes(
    encodeRecords([sizeRecord(0, 0), ['T', '1700000000 0'], ['A', 'no equals sign'], ['S', 's@x.example'], ['R', 'r@x.example'], ['M', ''], ['N', 'Subject: x'], ['X', ''], ['E', '']]),
  );
  assert.equal(bad.outcome, 'read');
  assert.deepEqual(bad.message!.attributes, {});
  assert.match(JSON.stringify(bad.skipped), /malformed attribute/);
});

test('a file cut off while being written gives the message so far, marked damaged', () => {
  const full = simpleQueueFile({ attributes: [['sasl_username', 'u@example.org']] });
  const r = readBytes(full.subarray(0, full.indexOf(encodeRecord('M', ''))));
  assert.equal(r.outcome, 'damaged');
  assert.equal(r.message!.attributes['sasl_username'], 'u@example.org');
  assert.ok(r.message!.damaged > 0);
});

test('not a queue file, a symlink, a record length past the end: counted, never thrown', () => {
  assert.equal(readBytes(Buffer.from('Zhello')).outcome, 'not-queue-file');
  const target = join(dir, 'target');
  writeFileSync(target, simpleQueueFile({}));
  const link = join(dir, 'link');
  symlinkSync(target, link);
  const skipped = new SkipTally();
  const r = new QueueFileReader(skipped).read(link, 'deferred/A/AB2C4561DA6', new PostcatParser({ skipped }));
  assert.equal(r.outcome, 'not-queue-file');
  assert.equal(r.message, null);
  const huge = Buffer.concat([encodeRecords([sizeRecord(0, 0), ['T', '1 0']]), Buffer.from([0x53, 0xff, 0xff, 0x7f]), Buffer.from('short')]);
  const h = readBytes(huge);
  assert.equal(h.outcome, 'damaged');
  assert.match(JSON.stringify(h.skipped), /ended inside a record/);
});

test('an over-long header line is cut and counted, memory stays bounded', () => {
  const long = 'Subject: ' + 'A'.repeat(300_000);
  const r = readBytes(simpleQueueFile({ headers: [long, 'From: a@example.org'] }));
  assert.equal(r.outcome, 'read');
  assert.equal(r.message!.headers[0]!.name, 'subject');
  assert.ok(r.message!.headers[0]!.value.length <= 2_000);
  assert.equal(r.message!.headers[1]!.value, 'a@example.org');
});

test('spool files: a vanished file is handed back for postcat, the rest are read in order', async () => {
  const q = mkdtempSync(join(dir, 'spool-'));
  mkdirSync(join(q, 'deferred', 'A'), { recursive: true });
  const ids = ['A1B2C3D4E5F', 'A1B2C3D4E60', 'A1B2C3D4E61'].map((s) => parseQueueId(s)!);
  for (const id of ids) writeFileSync(join(q, 'deferred', 'A', id), simpleQueueFile({ sender: `${id}@example.org` }));
  const skipped = new SkipTally();
  let progressed = 0;
  const files = new SpoolFiles(q, { skipped, onProgress: (k) => (progressed += k) });
  files.add([{ relDir: 'deferred/A', ids }]);
  assert.equal(files.size, 3);
  unlinkSync(join(q, 'deferred', 'A', ids[1]!));
  const seen: string[] = [];
  for await (const batch of files.batches()) for (const m of batch) seen.push(`${m.queueName}:${m.sender}`);
  assert.deepEqual(seen, [`deferred:${ids[0]}@example.org`, `deferred:${ids[2]}@example.org`]);
  assert.deepEqual(files.handBack, [ids[1]]);
  assert.equal(progressed, 2);
});

/**
 * The scanned machine itself (a LocalHost, so the files are read directly) with Postfix's
 * commands answered here: postconf names a temporary spool, and postqueue's listing comes
 * only when the test lets it, after the files were read.
 */
class SlowListingHost extends LocalHost {
  readonly ran: string[] = [];
  private release!: () => void;
  private readonly released = new Promise<void>((r) => (this.release = r));
  constructor(private readonly queueDir: string, private readonly listing: string[]) {
    super('test');
  }
  listNow(): void {
    this.release();
  }
  override async run(program: string, args: readonly string[]): Promise<RunResult> {
    this.ran.push([program, ...args].join(' '));
    const stdout = program.endsWith('postconf') ? `mail_version = 3.7.11\ncommand_directory = /usr/sbin\nqueue_directory = ${this.queueDir}\n` : '';
    // postcat, for an ID no file holds: what the real one says
    const stderr = program.endsWith('postcat') ? `postcat: fatal: open queue file ${args[args.length - 1]}: No such file or directory\n` : '';
    return { code: program.endsWith('postconf') ? 0 : 1, signal: null, stdout, stderr, truncated: false, timedOut: false };
  }
  override runLines(program: string, args: readonly string[]): StreamedRun {
    this.ran.push([program, ...args].join(' '));
    const released = this.released;
    const listing = this.listing;
    const lines = (async function* () {
      await released;
      for (const text of listing) yield { text, cut: false };
    })();
    return { lines, done: released.then(() => ({ code: 0, signal: null, stdout: '', stderr: '', truncated: false, timedOut: false })) };
  }
}

test('live on the machine itself: files read directly are not read again when the listing names them later', async () => {
  const q = mkdtempSync(join(dir, 'live-'));
  mkdirSync(join(q, 'hold'), { recursive: true });
  const ids = ['B1B2C3D4E5F', 'B1B2C3D4E60'].map((s) => parseQueueId(s)!);
  for (const id of ids) writeFileSync(join(q, 'hold', id), simpleQueueFile({ sender: `${id}@example.org` }));
  const later = parseQueueId('B1B2C3D4E61')!; // listed, but not in the spool any more: postcat's to say
  const listing = [...ids, later].map((id) => JSON.stringify({ queue_name: 'hold', queue_id: id, arrival_time: 1_700_000_000, message_size: 300, sender: 's@example.org', recipients: [{ address: 'r@example.net' }] }));
  const host = new SlowListingHost(q, listing);
  const c = await collectQueue(host, { mode: 'live' }, { early: true });
  const seen: string[] = [];
  for await (const batch of c.batches) {
    for (const m of batch) seen.push(m.queueId);
    // The listing arrives once the files' part has ended (the reader yields one event-loop
    // turn after each batch; an immediate queued from an immediate runs a turn later).
    setImmediate(() => setImmediate(() => host.listNow()));
  }
  await c.listed;
  assert.deepEqual(seen, ids, 'each file once');
  assert.equal(c.readDirectly?.(), 2);
  const postcats = host.ran.filter((r) => r.includes('postcat'));
  assert.deepEqual(postcats, [`/usr/sbin/postcat -e -h -q -- ${later}`], 'postcat only for the ID the files did not have');
});

test('live: postqueue starts before the spool walk, but its lines wait for the walk (a file is never read twice)', async () => {
  const q = mkdtempSync(join(dir, 'early-'));
  mkdirSync(join(q, 'hold'), { recursive: true });
  const ids = ['D1B2C3D4E5F', 'D1B2C3D4E60'].map((s) => parseQueueId(s)!);
  for (const id of ids) writeFileSync(join(q, 'hold', id), simpleQueueFile({ sender: `${id}@example.org` }));
  const later = parseQueueId('D1B2C3D4E61')!;
  const listing = [...ids, later].map((id) => JSON.stringify({ queue_name: 'hold', queue_id: id, arrival_time: 1_700_000_000, message_size: 300, sender: 's@example.org', recipients: [{ address: 'r@example.net' }] }));
  // the listing is complete at once; the walk's directory listing waits until postqueue has started
  const events: string[] = [];
  let walkMayGo!: () => void;
  const walkGate = new Promise<void>((r) => (walkMayGo = r));
  const host = new (class extends SlowListingHost {
    override runLines(program: string, args: readonly string[]): StreamedRun {
      events.push('postqueue started');
      walkMayGo();
      return super.runLines(program, args);
    }
    override async list(path: string): Promise<string[]> {
      // (code that starts postqueue only after the walk would wait here: 3 s, then the walk goes on)
      await Promise.race([walkGate, new Promise((r) => setTimeout(r, 3000).unref())]);
      const names = await super.list(path);
      events.push(`listed ${path.slice(q.length)}`);
      return names;
    }
  })(q, listing);
  host.listNow();
  const c = await collectQueue(host, { mode: 'live' }, { early: true });
  const seen: string[] = [];
  for await (const batch of c.batches) for (const m of batch) seen.push(m.queueId);
  await c.listed;
  assert.equal(events[0], 'postqueue started');
  assert.ok(events.includes('listed /hold'));
  assert.deepEqual(seen.slice(0, 2), ids, 'the files first, each once');
  assert.deepEqual(seen.length, 2);
  const postcats = host.ran.filter((r) => r.includes('postcat'));
  assert.deepEqual(postcats, [`/usr/sbin/postcat -e -h -q -- ${later}`], 'postcat only for the ID the walk did not find');
});

test('a scan that wants only delay reasons from the listing gets the lines that have them and the messages no file had', async () => {
  const q = mkdtempSync(join(dir, 'reasons-'));
  mkdirSync(join(q, 'deferred', 'C'), { recursive: true });
  const [held, deferred, gone] = ['C1B2C3D4E5F', 'C1B2C3D4E60', 'C1B2C3D4E61'].map((s) => parseQueueId(s)!) as [QueueId, QueueId, QueueId];
  for (const id of [held, deferred]) writeFileSync(join(q, 'deferred', 'C', id), simpleQueueFile({}));
  // as showq_json.c prints them: "name": value, separated by ", "
  const line = (id: string, reason?: string): string =>
    `{"queue_name": "deferred", "queue_id": "${id}", "arrival_time": 1700000000, "message_size": 300, "forced_expire": false, "sender": "s@example.org", "recipients": [{"address": "r@example.net"${reason ? `, "delay_reason": "${reason}"` : ''}}]}`;
  const host = new SlowListingHost(q, [line(held), line(deferred, 'host mx.aol.com said: 421 try later'), line(gone)]);
  host.listNow();
  const listed: string[] = [];
  const c = await collectQueue(host, { mode: 'live' }, { early: true, listingForDelayReasonsOnly: true, onListed: (e) => listed.push(e.queueId) });
  for await (const batch of c.batches) for (const _ of batch);
  await c.listed;
  assert.deepEqual(listed, [deferred, gone]);
  // without the option every entry is handed over, as before
  const all: string[] = [];
  const d = await collectQueue(host, { mode: 'live' }, { early: true, onListed: (e) => all.push(e.queueId) });
  for await (const batch of d.batches) for (const _ of batch);
  await d.listed;
  assert.deepEqual(all, [held, deferred, gone]);
});
