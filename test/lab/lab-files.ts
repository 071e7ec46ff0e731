/**
 * The lab's file operations on system files: does a path exist, replace a file atomically,
 * a file's checksum (tests compare main.cf before up and after down).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

export async function writeAtomic(file: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = `${file}.spamtrace-lab.tmp`;
  await fs.writeFile(tmp, content, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}
