import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQueuedCopy, SAME_MESSAGE_SLACK_MS } from '../../../src/scan/queue-log-merge';

const T = Date.UTC(2026, 2, 3, 9);
const queued = new Map([['4B5C6D7E8F9', { key: 'uid:4079', arrival: T }]]);

test('the log message with the queued ID and the same arrival is the queued one', () => {
  assert.equal(isQueuedCopy(queued, '4B5C6D7E8F9', { arrivalTime: new Date(T - 3000), examined: true }), true);
});

test('the same short ID a day earlier is another message (a reused ID)', () => {
  assert.equal(isQueuedCopy(queued, '4B5C6D7E8F9', { arrivalTime: new Date(T - 86_400_000), examined: true }), false);
  assert.equal(isQueuedCopy(queued, '4B5C6D7E8F9', { arrivalTime: new Date(T + SAME_MESSAGE_SLACK_MS + 1000), examined: true }), false);
});

test('a log message whose arrival is before the oldest line matches a queued message at least as old', () => {
  assert.equal(isQueuedCopy(queued, '4B5C6D7E8F9', { arrivalTime: new Date(T + 3_600_000), examined: false }), true);
  assert.equal(isQueuedCopy(queued, '4B5C6D7E8F9', { arrivalTime: new Date(T - 3_600_000), examined: false }), false);
});

test('another ID, or nothing read from the queue (--no-queue), is never "also in the queue"', () => {
  assert.equal(isQueuedCopy(queued, 'AAAAAAAAAAA', { arrivalTime: new Date(T), examined: true }), false);
  assert.equal(isQueuedCopy(new Map(), '4B5C6D7E8F9', { arrivalTime: new Date(T), examined: true }), false);
});
