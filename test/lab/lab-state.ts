/**
 * What the lab created (users, groups, directories), kept in STATE_FILE so `down` removes
 * exactly that and nothing that was there before.
 */
import { promises as fs } from 'node:fs';
import { STATE_FILE } from './config';
import { writeAtomic } from './lab-files';

export interface LabState {
  createdUsers: string[];
  createdGroups: string[];
  /** top-most directories the lab created (removed recursively by down, newest first) */
  createdDirs: string[];
  upCount: number;
}

export async function readState(): Promise<LabState> {
  try {
    return JSON.parse(await fs.readFile(STATE_FILE, 'utf8')) as LabState;
  } catch {
    return { createdUsers: [], createdGroups: [], createdDirs: [], upCount: 0 };
  }
}

export async function writeState(s: LabState): Promise<void> {
  await writeAtomic(STATE_FILE, JSON.stringify(s, null, 2) + '\n', 0o600);
}
