import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAddress, normalAddress, ownerIn, parseTcpRow } from '../../../../src/watch/policy/proc-net-tcp';

// rows as a little-endian x86_64 kernel writes them (the header line and listening sockets from a real /proc/net/tcp)
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 195 1 00000000d2d38363 100 0 0 10 0',
  '   1: 0100007F:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 377026 1 000000008453321e 100 0 0 10 0',
  // the client end of a PHP script's connection to 127.0.0.1:25: owned by uid 10004
  '   2: 0100007F:D431 0100007F:0019 01 00000000:00000000 00:00000000 00000000 10004        0 512345 1 0000000000000000 20 4 30 10 -1',
  // Postfix's end of the same connection: owned by postfix (uid 101), local port 25
  '   3: 0100007F:0019 0100007F:D431 01 00000000:00000000 00:00000000 00000000   101        0 512346 1 0000000000000000 20 4 30 10 -1',
  // an earlier connection from the same port, closed: TIME_WAIT rows carry uid 0
  '   4: 0100007F:C350 0100007F:0019 06 00000000:00000000 03:00000DA1 00000000     0        0 0 3 0000000000000000',
].join('\n');

const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  // ::1 port 48000 -> ::1 port 25, owned by uid 10002
  '   0: 00000000000000000000000001000000:BB80 00000000000000000000000001000000:0019 01 00000000:00000000 00:00000000 00000000 10002        0 61234 1 0000000000000000 20 4 30 10 -1',
  // an IPv6 socket speaking to 127.0.0.1 (::ffff:127.0.0.1), port 41000, uid 10003
  '   1: 0000000000000000FFFF00000100007F:A028 0000000000000000FFFF00000100007F:0019 01 00000000:00000000 00:00000000 00000000 10003        0 61235 1 0000000000000000 20 4 30 10 -1',
  // 2001:db8::5 port 443
  '   2: B80D0120000000000000000005000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   33        0 61236 1 0000000000000000 100 0 0 10 0',
].join('\n');

test('an IPv4 address is four little-endian bytes and the port big-endian hex', () => {
  assert.deepEqual(decodeAddress('0100007F:0019', true), { address: '127.0.0.1', port: 25 });
  assert.deepEqual(decodeAddress('0200007F:D431', true), { address: '127.0.0.2', port: 54321 });
  assert.deepEqual(decodeAddress('7F000001:0019', false), { address: '127.0.0.1', port: 25 }, 'a big-endian kernel writes it in order');
});

test('an IPv6 address is four little-endian words; ::1, mapped IPv4 and a global address decode', () => {
  assert.deepEqual(decodeAddress('00000000000000000000000001000000:0019', true), { address: '::1', port: 25 });
  assert.deepEqual(decodeAddress('0000000000000000FFFF00000100007F:A028', true), { address: '127.0.0.1', port: 41000 });
  assert.deepEqual(decodeAddress('B80D0120000000000000000005000000:01BB', true), { address: '2001:db8::5', port: 443 });
  assert.deepEqual(decodeAddress('00000000000000000000000000000000:0000', true), { address: '::', port: 0 });
});

test('what is not an address does not decode', () => {
  for (const bad of ['', '0100007F', '0100007F:19', '0100007G:0019', '0100007F:0019:1', '01000:0019', 'x'.repeat(5000)]) assert.equal(decodeAddress(bad, true), null, bad);
});

test('a row gives its ends, state and uid; the header and junk give nothing', () => {
  const rows = TCP.split('\n').map((l) => parseTcpRow(l, true));
  assert.equal(rows[0], null);
  assert.deepEqual(rows[3], { local: { address: '127.0.0.1', port: 54321 }, remote: { address: '127.0.0.1', port: 25 }, state: 1, uid: 10004 });
  assert.equal(parseTcpRow('   9: 0100007F:0019 garbage 01 0 0 0 x', true), null);
  assert.equal(parseTcpRow('', true), null);
});

test('the client end of an established connection names the uid; the server end and TIME_WAIT rows do not count', () => {
  const server = { address: '127.0.0.1', port: 25 };
  assert.equal(ownerIn(TCP, { address: '127.0.0.1', port: 54321 }, server, true), 10004);
  // postfix's own row has local port 25: it is never taken for the client
  assert.equal(ownerIn(TCP, { address: '127.0.0.1', port: 25 }, { address: '127.0.0.1', port: 54321 }, true), 101, 'only when asked the other way round');
  assert.equal(ownerIn(TCP, { address: '127.0.0.1', port: 50000 }, server, true), null, 'a closed connection (TIME_WAIT, uid 0) has no owner');
  assert.equal(ownerIn(TCP, { address: '127.0.0.1', port: 54321 }, { address: '127.0.0.1', port: 587 }, true), null, 'the server port must match too');
});

test('IPv6 rows: ::1 and an IPv6 socket mapped to 127.0.0.1 are found', () => {
  assert.equal(ownerIn(TCP6, { address: '::1', port: 48000 }, { address: '::1', port: 25 }, true), 10002);
  assert.equal(ownerIn(TCP6, { address: '127.0.0.1', port: 41000 }, { address: '127.0.0.1', port: 25 }, true), 10003);
  assert.equal(ownerIn(TCP6, { address: '0:0:0:0:0:0:0:1', port: 48000 }, { address: '::1', port: 25 }, true), 10002, 'any spelling of ::1');
});

test('addresses are compared in one spelling', () => {
  assert.equal(normalAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(normalAddress('2001:DB8:0:0:0:0:0:5'), '2001:db8::5');
  assert.equal(normalAddress('not an ip'), null);
});
