import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from '../collect/fake-host';
import { discoverOutbound, OUTBOUND_PARAMETERS, type InterfaceAddress } from '../../../src/dnsbl/outbound-ips';

const IFACES: InterfaceAddress[] = [
  { name: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true },
  { name: 'eth0', address: '192.0.2.10', family: 'IPv4', internal: false },
  { name: 'eth0', address: '2001:db8::10', family: 'IPv6', internal: false },
  { name: 'eth0', address: 'fe80::1', family: 'IPv6', internal: false },
  { name: 'eth1', address: '10.0.0.5', family: 'IPv4', internal: false },
];

/** `postconf -x NAME...` answers `name = value` per parameter; `main` in OUTBOUND_PARAMETERS' order */
function host(main: string[], master = ''): FakeHost {
  const lines = OUTBOUND_PARAMETERS.map((n, i) => `${n} = ${main[i] ?? ''}`.trimEnd());
  return new FakeHost((_p, args) => (args[0] === '-Px' ? { stdout: master } : { stdout: lines.join('\n') + '\n' }));
}

test('without a bind address every public interface address is a candidate, private ones are marked', async () => {
  const d = await discoverOutbound(host(['', '', 'no', 'all', '']), IFACES);
  assert.deepEqual(d.addresses.map((a) => [a.address, a.private]), [['192.0.2.10', false], ['2001:db8::10', false], ['10.0.0.5', true]]);
  assert.ok(d.notes.some((n) => n.includes('10.0.0.5') && /NAT/.test(n)));
});

test('inet_protocols = ipv4 leaves the IPv6 addresses out', async () => {
  const d = await discoverOutbound(host(['', '', 'no', 'ipv4', '']), IFACES);
  assert.deepEqual(d.addresses.map((a) => a.address), ['192.0.2.10', '10.0.0.5']);
});

test('smtp_bind_address with enforce = yes is the only address, plus master.cf services binding elsewhere', async () => {
  const master = 'smtp/unix/chroot = y\nrelay-b/unix/smtp_bind_address = 198.51.100.7\n';
  const d = await discoverOutbound(host(['203.0.113.9', '', 'yes', 'ipv4', 'hash:/etc/postfix/sender_transport'], master), IFACES);
  assert.deepEqual(d.addresses.map((a) => [a.address, a.via]), [['198.51.100.7', ['master.cf relay-b/unix']], ['203.0.113.9', ['smtp_bind_address']]]);
  assert.ok(d.notes.some((n) => n.includes('sender_dependent_default_transport_maps')));
});

test('configured public addresses are checked even behind NAT', async () => {
  const d = await discoverOutbound(host(['', '', 'no', 'ipv4', '']), [], ['203.0.113.50']);
  assert.deepEqual(d.addresses.map((a) => [a.address, a.via]), [['203.0.113.50', ['configured']]]);
});
