import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directionOf, HostedDomains } from '../../../src/trace/direction';
import type { Origin } from '../../../src/domain/origin';

const hosted = new HostedDomains(['shop-example.de', 'Verein-TSV.de.']);
const provider: Origin = { kind: 'smtp-client', clientAddress: '194.25.134.85', clientName: 'mailout11.t-online.de' };

test('a provider delivering to hosted mailboxes is inbound', () => {
  assert.equal(directionOf({ origin: provider, recipients: ['info@shop-example.de', 'vorstand@verein-tsv.de'] }, hosted), 'inbound');
});

test('an outside client with one recipient elsewhere is relaying: outgoing', () => {
  assert.equal(directionOf({ origin: provider, recipients: ['info@shop-example.de', 'x@gmail.com'] }, hosted), 'outgoing');
});

test('a login, a local uid or a loopback script writing to hosted mailboxes is internal: judged, not outgoing', () => {
  for (const origin of [
    { kind: 'sasl', username: 'info@shop-example.de', clientAddress: '88.152.10.21' },
    { kind: 'local', uid: 10003 },
    { kind: 'smtp-client', clientAddress: '127.0.0.1' },
  ] as Origin[]) {
    assert.equal(directionOf({ origin, recipients: ['info@shop-example.de', 'root'] }, hosted), 'internal');
  }
});

test('a recipient the mail log saw delivered here is hosted even when no domain list names it', () => {
  assert.equal(directionOf({ origin: provider, recipients: ['kunde@other.example'], localRecipients: ['kunde@other.example'] }, new HostedDomains()), 'inbound');
});

test('with no hosted domain known every message with recipients is outgoing (the old verdicts)', () => {
  assert.equal(directionOf({ origin: provider, recipients: ['info@shop-example.de'] }, new HostedDomains()), 'outgoing');
  assert.equal(directionOf({ origin: provider, recipients: [] }, hosted), 'outgoing');
});
