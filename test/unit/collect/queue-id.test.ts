import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_QUEUE_ID_LENGTH, isLongQueueId, parseQueueId } from '../../../src/collect/queue/queue-id';

test('the seed article\'s short queue IDs are accepted', () => {
  for (const id of ['AB2C4561DA6', '5942C8948326', 'A19A01A7481', 'A493D590B20']) assert.equal(parseQueueId(id), id);
});

test('a short ID is five hex digits of microseconds plus at least one of inode', () => {
  assert.equal(parseQueueId('0000A1'), '0000A1');
  assert.equal(parseQueueId('0000A'), null);
  assert.equal(parseQueueId('F'.repeat(21)), 'F'.repeat(21));
  assert.equal(parseQueueId('F'.repeat(22)), null);
});

test('long queue IDs (enable_long_queue_ids) are accepted', () => {
  for (const id of ['4Yt7Qg1rVKz9sLM', '4Tpmf90sf8zPjgM', '4TpmgJ4dz5zPjgN']) {
    assert.equal(parseQueueId(id), id);
    assert.equal(isLongQueueId(id as never), true);
  }
  assert.equal(isLongQueueId(parseQueueId('AB2C4561DA6')!), false);
});

test('a long ID whose time part contains z uses the last z as separator', () => {
  assert.equal(parseQueueId('4Ytz7Qg1rVKz9sLM'), '4Ytz7Qg1rVKz9sLM');
});

test('a long ID needs ten time characters before the separator and an inode after it', () => {
  assert.equal(parseQueueId('4Yt7Qg1rVz9sLM'), null); // 9 before z
  assert.equal(parseQueueId('4Yt7Qg1rVKz'), null); // no inode
  assert.equal(parseQueueId('4Yt7Qg1rVKzz'), null);
});

test('vowels are not in Postfix\'s long-ID alphabet', () => {
  assert.equal(parseQueueId('4Yt7Qg1rVKz9sLA'), null);
  assert.equal(parseQueueId('4Yt7Qg1rVeKz9sLM'), null);
});

test('anything that could act on a command line or a path is rejected', () => {
  for (const bad of ['', '-h', '--', '../x', '../../etc/passwd', 'AB2C4561DA6 ', ' AB2C4561DA6', 'AB2C 4561DA6', 'AB2C4561DA6;rm', 'AB2C4561DA6\n', 'ab2c4561da6', 'AB2C4561DA6*', 'deferred/A/AB2C4561DA6', 'AB2C4561DA6\u0000']) {
    assert.equal(parseQueueId(bad), null, JSON.stringify(bad));
  }
});

test('an over-long ID is rejected before any pattern runs on it', () => {
  assert.equal(parseQueueId('4'.repeat(MAX_QUEUE_ID_LENGTH + 1)), null);
  assert.equal(parseQueueId(`${'B'.repeat(5000)}z9`), null);
  assert.equal(parseQueueId(42 as unknown as string), null);
});
