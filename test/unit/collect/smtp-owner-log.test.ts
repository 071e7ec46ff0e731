import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOwnerLine, SmtpOwnerIndex, MATCH_WINDOW_MS } from '../../../src/collect/smtp-owners/smtp-owner-log';
import type { SmtpOwnerRecord } from '../../../src/domain/smtp-owner';

const good: SmtpOwnerRecord = {
  at: '2026-01-01T10:00:00.000Z',
  queueId: '4F1A22C0B5',
  clientAddress: '127.0.0.1',
  clientPort: 54321,
  serverAddress: '127.0.0.1',
  serverPort: 25,
  uid: 10004,
  sender: 'info@shop-example.de',
  saslUsername: null,
};

test('a record line reads back field by field', () => {
  assert.deepEqual(parseOwnerLine(JSON.stringify(good)), good);
});

test('a line that is not a record says why', () => {
  const cases: [string, string][] = [
    ['{', 'not JSON'],
    ['[]', 'not an object'],
    [JSON.stringify({ ...good, at: 'yesterday' }), 'no valid time'],
    [JSON.stringify({ ...good, queueId: '-h' }), 'not a queue ID'],
    [JSON.stringify({ ...good, queueId: '../x' }), 'not a queue ID'],
    [JSON.stringify({ ...good, uid: -1 }), 'not a uid'],
    [JSON.stringify({ ...good, uid: '0' }), 'not a uid'],
    [JSON.stringify({ ...good, clientPort: 70000 }), 'not a port'],
    ['x'.repeat(5000), 'line too long'],
  ];
  for (const [line, why] of cases) assert.equal(parseOwnerLine(line), why, line.slice(0, 60));
});

test('a reused queue ID names the message that arrived near its record only', () => {
  const ix = new SmtpOwnerIndex();
  ix.add(good);
  ix.add({ ...good, at: '2026-01-02T10:00:00.000Z', uid: 10002 });
  assert.equal(ix.ownerOf('4F1A22C0B5', new Date('2026-01-01T09:59:59Z')), 10004);
  assert.equal(ix.ownerOf('4F1A22C0B5', new Date('2026-01-02T10:00:01Z')), 10002);
  assert.equal(ix.ownerOf('4F1A22C0B5', new Date(Date.parse('2026-01-01T10:00:00Z') + MATCH_WINDOW_MS + 1000)), null);
  assert.equal(ix.ownerOf('4F1A22C0B5', null), null, 'two candidates and no time: none');
  assert.equal(ix.ownerOf('AAAAAA1', new Date()), null);
  assert.equal(ix.add({ ...good, queueId: null }), false, 'no queue ID: not indexed');
  assert.equal(ix.add({ ...good, uid: null, why: 'gone' }), false, 'no owner: not indexed');
});
