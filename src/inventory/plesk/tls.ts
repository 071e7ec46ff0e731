/**
 * How we trust the Plesk panel's certificate. Plesk ships with a self-signed certificate
 * on port 8443 until the admin installs a real one, so "verify against the system store"
 * (the default) often fails. Two ways to trust it without turning verification off:
 *
 * - `ca`: PEM of the CA that signed the panel certificate (or the self-signed
 *   certificate itself). Normal verification, including the host name, against that CA.
 * - `fingerprint256`: the SHA-256 fingerprint of the exact panel certificate
 *   (`openssl x509 -noout -fingerprint -sha256 -in cert.pem`). Chain and host name are
 *   not checked, the certificate must be byte-for-byte that one. The socket is handed to
 *   the HTTP layer only after the fingerprint matched, so the API key is never written
 *   to a server we did not recognise.
 *
 * There is deliberately no "accept anything" switch.
 */
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { PleskError } from './errors';

export interface PleskTlsOptions {
  /** PEM text of the CA (or self-signed certificate) to trust instead of the system store */
  ca?: string;
  /** SHA-256 fingerprint of the panel certificate: "AB:CD:..." or plain hex */
  fingerprint256?: string;
}

/** "ab:cd:ef..." or "ABCDEF..." → "ABCDEF..."; null when it is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : null;
}

type ConnectCallback = (err: Error | null, socket?: Duplex) => void;

/** An https.Agent that only releases a socket whose certificate has the pinned fingerprint. */
class FingerprintAgent extends https.Agent {
  constructor(private readonly pin: string) {
    super({ keepAlive: true, maxSockets: 16 });
  }

  // Node's Agent calls createConnection(options, callback) and waits for the callback
  // when nothing is returned: that is what lets us check before any byte is written.
  override createConnection(options: tls.ConnectionOptions, callback: ConnectCallback): undefined {
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      if (err) {
        socket.destroy();
        callback(err);
      } else callback(null, socket);
    };
    socket.once('secureConnect', () => {
      const seen = normalizeFingerprint(socket.getPeerCertificate().fingerprint256 ?? '');
      finish(seen === this.pin ? null : new Error(`certificate fingerprint ${seen ?? 'unknown'} is not the pinned one`));
    });
    socket.once('error', (e) => finish(e));
    return undefined;
  }
}

/** The agent for https:// base URLs; undefined for http:// (tests, a local proxy). */
export function buildAgent(baseUrl: URL, options: PleskTlsOptions = {}): https.Agent | undefined {
  if (baseUrl.protocol !== 'https:') return undefined;
  if (options.fingerprint256 !== undefined) {
    const pin = normalizeFingerprint(options.fingerprint256);
    if (!pin) {
      throw new PleskError('E_PLESK_CONFIG', 'bad-response', 'the Plesk certificate fingerprint must be a SHA-256 fingerprint (64 hex digits)', '');
    }
    return new FingerprintAgent(pin);
  }
  if (options.ca !== undefined) {
    if (!options.ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new PleskError('E_PLESK_CONFIG', 'bad-response', 'the Plesk CA must be a PEM certificate', '');
    }
    return new https.Agent({ keepAlive: true, maxSockets: 16, ca: options.ca });
  }
  return new https.Agent({ keepAlive: true, maxSockets: 16 });
}
