import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PleskRestClient } from '../../../src/inventory/plesk/rest-client';
import { isPleskError } from '../../../src/inventory/plesk/errors';
import { normalizeFingerprint } from '../../../src/inventory/plesk/tls';

/** A self-signed certificate like the one Plesk installs on port 8443. */
function selfSigned(cn: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'plesk-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=IP:${cn}`], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

async function panel(): Promise<{ url: string; cert: string; keysSeen: string[]; close: () => Promise<void> }> {
  const { cert, key } = selfSigned('127.0.0.1');
  const keysSeen: string[] = [];
  const server = https.createServer({ cert, key }, (req, res) => {
    keysSeen.push(String(req.headers['x-api-key']));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
  return {
    url,
    cert,
    keysSeen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('by default a self-signed panel certificate is refused', async () => {
  const p = await panel();
  const c = new PleskRestClient({ baseUrl: p.url, apiKey: 'k' });
  try {
    await assert.rejects(c.request('GET', 'clients'), (e: unknown) => isPleskError(e) && e.failure === 'unreachable' && /self.signed/i.test(e.message));
    assert.deepEqual(p.keysSeen, []);
  } finally {
    c.close();
    await p.close();
  }
});

test('the panel certificate given as CA is trusted', async () => {
  const p = await panel();
  const c = new PleskRestClient({ baseUrl: p.url, apiKey: 'k', tls: { ca: p.cert } });
  try {
    assert.deepEqual(await c.request('GET', 'clients'), []);
  } finally {
    c.close();
    await p.close();
  }
});

test('a pinned fingerprint is accepted; a wrong one never gets the API key', async () => {
  const p = await panel();
  const right = new X509Certificate(p.cert).fingerprint256;
  const good = new PleskRestClient({ baseUrl: p.url, apiKey: 'secret-key', tls: { fingerprint256: right.toLowerCase() } });
  const bad = new PleskRestClient({ baseUrl: p.url, apiKey: 'secret-key', tls: { fingerprint256: 'AA'.repeat(32) } });
  try {
    assert.deepEqual(await good.request('GET', 'clients'), []);
    assert.deepEqual(p.keysSeen, ['secret-key']);
    await assert.rejects(bad.request('GET', 'clients'), (e: unknown) => isPleskError(e) && e.failure === 'unreachable' && /not the pinned one/.test(e.message));
    assert.deepEqual(p.keysSeen, ['secret-key'], 'nothing was sent to the unrecognised server');
  } finally {
    good.close();
    bad.close();
    await p.close();
  }
});

test('fingerprints are read with or without colons; anything else is refused', () => {
  assert.equal(normalizeFingerprint('ab:'.repeat(31) + 'ab'), 'AB'.repeat(32));
  assert.equal(normalizeFingerprint('AB'.repeat(32)), 'AB'.repeat(32));
  assert.equal(normalizeFingerprint('AB'.repeat(20)), null);
  assert.throws(() => new PleskRestClient({ baseUrl: 'https://x:8443/api/v2', apiKey: 'k', tls: { fingerprint256: 'zz' } }), /64 hex digits/);
  assert.throws(() => new PleskRestClient({ baseUrl: 'https://admin:pw@x:8443/api/v2', apiKey: 'k' }), /must not carry credentials/);
  assert.throws(() => new PleskRestClient({ baseUrl: 'ftp://x/api/v2', apiKey: 'k' }), /https/);
});
