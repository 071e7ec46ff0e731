/**
 * The one backup of the Postfix/SASL files the lab changes, taken by `up` and restored byte
 * for byte (mode and owner too) by `down`; files that did not exist are removed again.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BACKUP_DIR, BACKUP_MANIFEST, CHROOT_SASLDB, MAIL_LOG, MAIN_CF, MASTER_CF, SASLDB, SASL_SMTPD_CONF } from './config';
import { exists, writeAtomic } from './lab-files';
import { postfixPid } from './postfix-process';

interface BackedUpFile {
  path: string;
  existed: boolean;
  /** file name inside BACKUP_DIR */
  copy?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  sha256?: string;
}

export interface BackupManifest {
  createdAt: string;
  files: BackedUpFile[];
  mailLogExisted: boolean;
  postfixWasRunning: boolean;
}

/** Files the lab changes and restores byte for byte (or removes when they did not exist). */
const BACKED_UP_FILES = [MAIN_CF, MASTER_CF, SASL_SMTPD_CONF, SASLDB, CHROOT_SASLDB];

export async function readManifest(): Promise<BackupManifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(BACKUP_MANIFEST, 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

/** Takes the one backup; an existing complete backup (manifest present) is never overwritten. */
export async function backupOnce(log: (s: string) => void): Promise<BackupManifest> {
  const existing = await readManifest();
  if (existing) {
    log(`backup: kept existing backup from ${existing.createdAt} (${BACKUP_DIR})`);
    return existing;
  }
  await fs.mkdir(BACKUP_DIR, { recursive: true, mode: 0o700 });
  const files: BackedUpFile[] = [];
  for (const p of BACKED_UP_FILES) {
    try {
      const st = await fs.stat(p);
      const data = await fs.readFile(p);
      const copy = p.replace(/^\//, '').replace(/\//g, '__');
      await fs.writeFile(path.join(BACKUP_DIR, copy), data, { mode: 0o600 });
      files.push({ path: p, existed: true, copy, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, sha256: createHash('sha256').update(data).digest('hex') });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      files.push({ path: p, existed: false });
    }
  }
  const manifest: BackupManifest = {
    createdAt: new Date().toISOString(),
    files,
    mailLogExisted: await exists(MAIL_LOG),
    postfixWasRunning: (await postfixPid()) !== undefined,
  };
  // the manifest is written last: its presence marks a complete backup
  await writeAtomic(BACKUP_MANIFEST, JSON.stringify(manifest, null, 2) + '\n', 0o600);
  log(`backup: saved ${files.filter((f) => f.existed).map((f) => f.path).join(', ')} to ${BACKUP_DIR}`);
  return manifest;
}

/** Puts every backed-up file back (mode and owner too) and removes the ones that did not exist. */
export async function restoreBackup(manifest: BackupManifest): Promise<{ restored: string[]; removed: string[] }> {
  const restored: string[] = [];
  const removed: string[] = [];
  for (const f of manifest.files) {
    if (f.existed && f.copy) {
      const data = await fs.readFile(path.join(BACKUP_DIR, f.copy));
      await writeAtomic(f.path, data, f.mode ?? 0o644);
      if (f.uid !== undefined && f.gid !== undefined) await fs.chown(f.path, f.uid, f.gid);
      restored.push(f.path);
    } else if (!f.existed && (await exists(f.path))) {
      await fs.rm(f.path, { force: true });
      removed.push(f.path);
    }
  }
  return { restored, removed };
}
