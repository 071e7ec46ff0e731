/**
 * The lab's system users and groups (LAB_USERS, LAB_GROUPS in config.ts) with their homes,
 * docroots and log directories: checked before anything changes, created by `up`, removed by
 * `down` (only what the lab itself created, as recorded in the lab state).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LAB_GROUPS, LAB_USERS, type LabUser } from './config';
import { exists } from './lab-files';
import { writeState, type LabState } from './lab-state';
import { run } from './run-program';

export async function getent(db: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  const r = await run('getent', [db, key], { allowFail: true });
  if (r.code !== 0) return undefined;
  const line = r.stdout.split('\n')[0] ?? '';
  return line.split(':');
}

/** Refuses when the user's uid belongs to someone else or its name has another uid; returns its passwd entry, if any. */
async function checkUserIds(u: LabUser): Promise<string[] | undefined> {
  const byUid = await getent('passwd', String(u.uid));
  if (byUid && byUid[0] !== u.name) {
    throw new Error(`lab up: uid ${u.uid} belongs to ${byUid[0]}, not ${u.name}; the lab needs uid ${u.uid} for ${u.name}`);
  }
  const byName = await getent('passwd', u.name);
  if (byName && Number(byName[2]) !== u.uid) {
    throw new Error(`lab up: user ${u.name} exists with uid ${byName[2]}, the lab needs uid ${u.uid}`);
  }
  return byName;
}

/** Refuses before anything is changed when a lab uid/gid or name is taken by someone else. */
export async function preflightIds(): Promise<void> {
  for (const g of LAB_GROUPS) {
    const byGid = await getent('group', String(g.gid));
    const byName = await getent('group', g.name);
    if (byGid && byGid[0] !== g.name && !byName) {
      throw new Error(`lab up: gid ${g.gid} belongs to group ${byGid[0]}, not ${g.name}; free it or change LAB_GROUPS in test/lab/config.ts`);
    }
  }
  for (const u of LAB_USERS) await checkUserIds(u);
}

export async function ensureGroups(state: LabState, log: (s: string) => void): Promise<void> {
  for (const g of LAB_GROUPS) {
    const byName = await getent('group', g.name);
    if (byName) {
      if (Number(byName[2]) !== g.gid) log(`group ${g.name} exists with gid ${byName[2]} (lab would use ${g.gid}); using it`);
      continue;
    }
    const byGid = await getent('group', String(g.gid));
    if (byGid) throw new Error(`lab up: gid ${g.gid} belongs to group ${byGid[0]}, not ${g.name}; free it or change LAB_GROUPS`);
    await run('groupadd', ['-g', String(g.gid), g.name]);
    state.createdGroups.push(g.name);
    await writeState(state);
    log(`created group ${g.name} (gid ${g.gid})`);
  }
}

/** mkdir -p that records the top-most directory it had to create. */
async function mkdirTracked(dir: string, state: LabState): Promise<void> {
  let top: string | undefined;
  let cur = dir;
  while (!(await exists(cur))) {
    top = cur;
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (top === undefined) return;
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  if (!state.createdDirs.some((d) => top === d || top.startsWith(d + '/'))) {
    state.createdDirs.push(top);
    await writeState(state);
  }
}

export async function ensureUsers(state: LabState, log: (s: string) => void): Promise<void> {
  for (const u of LAB_USERS) {
    const byName = await checkUserIds(u);
    if (!byName) {
      await run('useradd', ['-u', String(u.uid), '-g', u.group, '-d', u.home, '-M', '-s', u.shell, u.name]);
      state.createdUsers.push(u.name);
      await writeState(state);
      log(`created user ${u.name} (uid ${u.uid}, ${u.panel}, home ${u.home})`);
    }
    for (const d of [u.home, u.docRoot, u.logDir]) await mkdirTracked(d, state);
    const grp = await getent('group', u.group);
    const gid = grp ? Number(grp[2]) : u.uid;
    await fs.chown(u.home, u.uid, gid);
    await fs.chown(u.docRoot, u.uid, gid);
    if (!(await exists(u.accessLog))) await fs.writeFile(u.accessLog, '', { mode: 0o644 });
  }
}

/** Deletes the users, groups and directories the lab created, newest first; returns what it removed. */
export async function removeCreated(state: LabState): Promise<string[]> {
  const removed: string[] = [];
  for (const u of [...state.createdUsers].reverse()) {
    await run('userdel', [u], { allowFail: true });
    removed.push(`user ${u}`);
  }
  for (const g of [...state.createdGroups].reverse()) {
    if (await getent('group', g)) await run('groupdel', [g], { allowFail: true });
    removed.push(`group ${g}`);
  }
  for (const d of [...state.createdDirs].reverse()) {
    await fs.rm(d, { recursive: true, force: true });
    removed.push(d);
  }
  return removed;
}
