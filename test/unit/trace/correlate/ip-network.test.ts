import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkOf } from '../../../../src/trace/correlate/ip-network';

const CASES: [string, string | null][] = [
  ['45.155.205.17', '45.155.205.0/24'],
  ['93.120.196.244', '93.120.196.0/24'],
  ['2001:db8:1:2::5', '2001:db8:1::/48'],
  ['2001:0DB8:0001:ffff:0:0:0:1', '2001:db8:1::/48'],
  ['::1', '0:0:0::/48'],
  ['::ffff:93.120.196.244', '93.120.196.0/24'],
  ['IPv6:2a02:8108:1::1', '2a02:8108:1::/48'],
  ['[2001:db8::1]', '2001:db8:0::/48'],
  ['fe80::1%eth0', 'fe80:0:0::/48'],
  ['1:2:3:4:5:6:7.8.9.10', '1:2:3::/48'],
  ['256.1.1.1', null],
  ['unknown', null],
  ['1:2:3', null],
  ['1::2::3', null],
  [':::', null],
  ['', null],
];

for (const [address, net] of CASES) {
  test(`the network of ${JSON.stringify(address)} is ${net}`, () => {
    assert.equal(networkOf(address), net);
  });
}
