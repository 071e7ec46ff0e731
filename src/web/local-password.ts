/**
 * The standalone admin password (servers without a panel): stored only as an scrypt hash,
 * one line `scrypt$N$r$p$SALT$HASH` (base64url) in a root-owned 0600 file, made with
 * `spamtrace serve hash-password`.
 *
 * Checking is asynchronous (libuv's thread pool), so a burst of sign-in attempts never
 * blocks the event loop; the login guard (login-guard.ts) also runs at most one check at a
 * time, so the thread pool stays free for the rest of the app (static files use it too).
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 1 << 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const LINE = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{40,})$/;

/** Used once by `serve hash-password` (a CLI run, nothing else waits on the event loop). */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const key = scryptSync(password.normalize('NFC'), salt, KEY_BYTES, { ...PARAMS, maxmem: 128 * PARAMS.N * PARAMS.r * 2 });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function isPasswordHash(line: string): boolean {
  return LINE.test(line.trim());
}

/** Constant-time compare; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = LINE.exec(stored.trim());
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // refuse parameters that would let a tampered file make every login burn a GB of memory
  if (N < 1024 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const got = await scryptAsync(password.normalize('NFC'), Buffer.from(m[4]!, 'base64url'), expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export interface LocalAdmin {
  login: string;
  passwordHash: string;
}
