/**
 * Puts the sites' files (site-files.ts) into the docroots, owned by each site's user as on a
 * real server, and creates the log files Apache writes. Every file and directory it creates
 * is recorded (WEB_CREATED_FILE) so `down` removes exactly those; a file that is already
 * there and was not created by the lab is never overwritten.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { exists, writeAtomic } from '../lab-files';
import { getent } from '../lab-users';
import { siteFiles } from './site-files';
import { WEB_CREATED_FILE, WEB_SITES, WEB_STATE_DIR, webSite, type WebSite } from './web-layout';

interface Created {
  paths: string[];
}

async function readCreated(): Promise<Created> {
  try {
    const c = JSON.parse(await fs.readFile(WEB_CREATED_FILE, 'utf8')) as Created;
    return Array.isArray(c.paths) ? c : { paths: [] };
  } catch {
    return { paths: [] };
  }
}

async function saveCreated(c: Created): Promise<void> {
  await fs.mkdir(WEB_STATE_DIR, { recursive: true, mode: 0o755 });
  await writeAtomic(WEB_CREATED_FILE, JSON.stringify(c, null, 2) + '\n', 0o600);
}

function isRecorded(c: Created, p: string): boolean {
  return c.paths.some((x) => p === x || p.startsWith(x + '/'));
}

async function record(c: Created, p: string): Promise<void> {
  if (isRecorded(c, p)) return;
  c.paths.push(p);
  await saveCreated(c);
}

async function gidOf(s: WebSite): Promise<number> {
  const g = await getent('group', s.group);
  if (!g) throw new Error(`lab web: group ${s.group} of ${s.user} does not exist (run the lab users first)`);
  return Number(g[2]);
}

/** The file's absolute path inside the docroot; refuses anything that would leave it. */
function inDocRoot(s: WebSite, urlPath: string): string {
  const p = path.resolve(s.docRoot, '.' + urlPath);
  if (!urlPath.startsWith('/') || !p.startsWith(s.docRoot + '/')) throw new Error(`lab web: ${urlPath} leaves ${s.docRoot}`);
  return p;
}

/** mkdir -p below `base`, each new directory owned by uid:gid and recorded. */
async function mkdirOwned(dir: string, base: string, uid: number, gid: number, c: Created): Promise<void> {
  const rel = path.relative(base, dir);
  if (rel === '') return;
  let cur = base;
  for (const part of rel.split(path.sep)) {
    cur = path.join(cur, part);
    if (await exists(cur)) continue;
    await fs.mkdir(cur, { mode: 0o755 });
    await fs.chown(cur, uid, gid);
    await record(c, cur);
  }
}

async function claim(c: Created, file: string): Promise<void> {
  if ((await exists(file)) && !isRecorded(c, file)) {
    throw new Error(`lab web: ${file} exists and was not created by the lab; refusing to overwrite it`);
  }
}

/** Writes every site file (owner = the site's user, 0644) and creates the empty log files. */
export async function installSites(log: (s: string) => void): Promise<number> {
  const c = await readCreated();
  let n = 0;
  for (const f of siteFiles()) {
    const s = webSite(f.site);
    const uid = s.uid;
    const gid = await gidOf(s);
    const file = inDocRoot(s, f.urlPath);
    await claim(c, file);
    await mkdirOwned(path.dirname(file), s.docRoot, uid, gid, c);
    await record(c, file);
    await writeAtomic(file, f.content, 0o644);
    await fs.chown(file, uid, gid);
    n++;
  }
  for (const s of WEB_SITES) {
    await fs.mkdir(s.logDir, { recursive: true, mode: 0o755 });
    for (const file of [s.accessLog, s.errorLog]) {
      // an access log that is already there (the Confixx one the lab users created) is appended to
      if (await exists(file)) continue;
      await record(c, file);
      await fs.writeFile(file, '', { mode: 0o644 });
    }
  }
  log(`web: ${n} site files in ${WEB_SITES.length} docroots`);
  return n;
}

/** Removes what installSites created, newest first; returns the removed paths. */
export async function removeSites(): Promise<string[]> {
  const c = await readCreated();
  const removed: string[] = [];
  for (const p of [...c.paths].reverse()) {
    if (!(await exists(p))) continue;
    await fs.rm(p, { recursive: true, force: true });
    removed.push(p);
  }
  await fs.rm(WEB_CREATED_FILE, { force: true });
  return removed;
}
