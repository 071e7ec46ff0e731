#!/usr/bin/env node
/**
 * Builds the installable Plesk extension: dist/spamtrace-plesk-<version>.zip.
 *
 *   npm run package:plesk        (tsc, then node dist/src/package/plesk-package.js)
 *   node dist/src/package/plesk-package.js [--out DIR] [--without-node-modules]
 *
 * Layout (Extensions Guide, "Extension Structure"):
 *
 *   meta.xml                 descriptor, <version>/<description> from package.json
 *   htdocs/index.php         Plesk's entry point
 *   plib/controllers/ hooks/ library/ scripts/ views/   the PHP shim
 *   plib/panel-manifest      what the shim needs to know (ports, key file, entry points)
 *   plib/app/                the Node service: dist/src, views, public, schema, examples,
 *                            package.json, package-lock.json, production node_modules
 *   sbin/spamtrace-service   root helper (pm_ApiCli::callSbin), sbin/spamtrace.service
 *
 * The Node app rides in plib/ because Plesk extracts the documented folders (htdocs,
 * plib, sbin, var) to known places; the helper copies it from there to /opt/spamtrace.
 * Production node_modules are bundled so installing needs no network and no npm on the
 * server; they are built for this machine's platform (a native module added later must
 * be built on the same OS and Node major as the servers).
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { NATIVE_BUILD_FILE, thisRuntime } from '../store/native-check';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../package-root';
import { fillMetaXml } from './meta-xml';
import { productionModulePaths } from './production-modules';

export interface PackageOptions {
  /** folder to write the zip to; default <root>/dist */
  outDir?: string;
  /** leave node_modules out (the server then needs `npm ci --omit=dev` with network) */
  withoutNodeModules?: boolean;
  root?: string;
}

export interface PackageResult {
  zipPath: string;
  version: string;
  /** size of the zip in bytes */
  bytes: number;
  /** files in the zip */
  files: number;
  /** node_modules packages bundled */
  modules: number;
  /** bytes before compression */
  unpackedBytes: number;
}

/** Copied from the package root into plib/app/ (dist/src is handled on its own). */
const APP_ENTRIES = ['package.json', 'package-lock.json', 'views', 'public', 'schema', 'examples', 'README.md', 'panel-manifest'];

export async function buildPleskPackage(options: PackageOptions = {}): Promise<PackageResult> {
  const root = options.root ?? packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown; description?: unknown };
  const version = typeof pkg.version === 'string' ? pkg.version : '';
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`package.json version ${JSON.stringify(pkg.version)} is not x.y.z`);
  const description = typeof pkg.description === 'string' ? pkg.description : '';
  if (!existsSync(join(root, 'dist', 'src', 'cli.js'))) throw new Error('dist/src/cli.js is missing: build first (npx tsc -p .)');

  const stage = mkdtempSync(join(tmpdir(), 'spamtrace-plesk-'));
  try {
    writeFileSync(join(stage, 'meta.xml'), fillMetaXml(readFileSync(join(root, 'meta.xml'), 'utf8'), { version, description }));
    for (const dir of ['htdocs', 'plib', 'sbin']) copyTree(join(root, 'plesk', dir), join(stage, dir));
    cpSync(join(root, 'panel-manifest'), join(stage, 'plib', 'panel-manifest'));

    const app = join(stage, 'plib', 'app');
    copyTree(join(root, 'dist', 'src'), join(app, 'dist', 'src'), (p) => !p.endsWith('.map'));
    for (const entry of APP_ENTRIES) {
      if (existsSync(join(root, entry))) copyTree(join(root, entry), join(app, entry));
    }
    let modules = 0;
    if (!options.withoutNodeModules) {
      for (const mod of productionModulePaths(root)) {
        const from = join(root, mod);
        // An optional dependency for another platform is listed but absent: nothing to copy.
        if (!existsSync(from)) continue;
        // Nested node_modules are entries of their own (and may be dev-only).
        copyTree(from, join(app, mod), (p) => relative(from, p) !== 'node_modules');
        modules++;
      }
    }
    // what the bundled native binaries (better-sqlite3) were built for: the service's start
    // check and the installer's choice of Node read it (src/store/native-check.ts)
    writeFileSync(join(app, NATIVE_BUILD_FILE), JSON.stringify(thisRuntime(), null, 2) + '\n');
    markExecutables(join(stage, 'sbin'));

    const outDir = options.outDir ?? join(root, 'dist');
    mkdirSync(outDir, { recursive: true });
    const zipPath = join(outDir, `spamtrace-plesk-${version}.zip`);
    rmSync(zipPath, { force: true });
    await run('zip', ['-r', '-q', '-X', '-9', zipPath, '.'], stage);
    const { files, bytes: unpackedBytes } = tally(stage);
    return { zipPath, version, bytes: statSync(zipPath).size, files, modules, unpackedBytes };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Copies a tree with symlinks resolved: a link in a zip can point outside on unpacking. */
function copyTree(from: string, to: string, keep: (path: string) => boolean = () => true): void {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, dereference: true, filter: (src) => keep(src) });
}

/** Scripts in sbin/ (a #! first line) are executable; templates are not. */
function markExecutables(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const head = readFileSync(p).subarray(0, 2).toString('latin1');
    chmodSync(p, head === '#!' ? 0o755 : 0o644);
  }
}

function tally(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).size;
  }
  return { files, bytes };
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'ENOENT' ? `${cmd} is not installed (Debian: apt-get install ${cmd})` : e.message)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`))));
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, 'without-node-modules': { type: 'boolean' } } });
  const opts: PackageOptions = { withoutNodeModules: values['without-node-modules'] === true };
  if (values.out !== undefined) opts.outDir = values.out;
  const r = await buildPleskPackage(opts);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  process.stdout.write(`${r.zipPath}: ${mb(r.bytes)} MB zip, ${r.files} files, ${mb(r.unpackedBytes)} MB unpacked, ${r.modules} node_modules packages\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`package:plesk: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
