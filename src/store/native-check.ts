/**
 * Does every native module load in this Node? The store needs better-sqlite3, a compiled
 * addon: a zip packaged on one machine carries a binary for that machine's Node ABI,
 * platform and glibc, and a server with Plesk's Node 22 or 24, or an older glibc, cannot
 * load it. Without this check the service dies at its first database call with a stack
 * trace in the journal; with it, `serve` refuses to start with one sentence saying what was
 * built for what, and `serve --check` prints the same for the extension page.
 *
 * Why not node:sqlite instead: Node 20 (the oldest Node the service supports, and the one
 * Plesk's toolkit installs first) has no node:sqlite; 22.5+ has it only behind a flag or as
 * experimental. Prebuilt binaries for every ABI would multiply the zip. So: check, say
 * exactly what is wrong, and let the installer pick the Node the binary was built for
 * (plesk/sbin/spamtrace-service tries every candidate Node with this check).
 *
 * The packager records what the binaries were built for in native-build.json
 * (NativeBuild) at the app's root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The native modules the service loads, and how to prove each one works. */
export const NATIVE_MODULES: readonly { name: string; probe: (mod: unknown) => void }[] = [
  {
    name: 'better-sqlite3',
    probe: (mod) => {
      const Database = mod as new (file: string) => { prepare(sql: string): { get(): unknown }; close(): void };
      const db = new Database(':memory:');
      try {
        db.prepare('SELECT 1').get();
      } finally {
        db.close();
      }
    },
  },
];

export const NATIVE_BUILD_FILE = 'native-build.json';

/** Where the packaged binaries were built. */
export interface NativeBuild {
  node: string;
  /** process.versions.modules of the packaging Node */
  abi: string;
  platform: string;
  arch: string;
  /** glibc of the packaging machine; null on musl or unknown */
  glibc: string | null;
}

export interface NativeProblem {
  module: string;
  message: string;
}

export function thisRuntime(): NativeBuild {
  const header = (process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return {
    node: process.version,
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    glibc: header?.glibcVersionRuntime ?? null,
  };
}

export function readNativeBuild(appRoot: string): NativeBuild | null {
  const file = join(appRoot, NATIVE_BUILD_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as NativeBuild;
  } catch {
    return null;
  }
}

function describe(b: NativeBuild): string {
  return `Node ${b.node} (ABI ${b.abi}, ${b.platform}-${b.arch}${b.glibc ? `, glibc ${b.glibc}` : ''})`;
}

/**
 * Loads and exercises each native module; one problem per module that fails, each saying
 * what the binary was built for, what runs here, the loader's own words and what to do.
 */
export function checkNativeModules(
  appRoot: string,
  load: (name: string) => unknown = (name) => require(name),
  runtime: NativeBuild = thisRuntime(),
): NativeProblem[] {
  const built = readNativeBuild(appRoot);
  const problems: NativeProblem[] = [];
  for (const m of NATIVE_MODULES) {
    try {
      m.probe(load(m.name));
    } catch (e) {
      const why = ((e as Error)?.message ?? String(e)).replace(/\s*\n\s*/g, ' ').slice(0, 400);
      const what = built ? `built for ${describe(built)}, this is ${describe(runtime)}` : `this is ${describe(runtime)}`;
      const fix =
        built && built.abi !== runtime.abi
          ? `run the service with Node ${built.node.replace(/^v/, '').split('.')[0]} (Plesk: /opt/plesk/node/${built.node.replace(/^v/, '').split('.')[0]}/bin/node), or rebuild it for this Node: cd ${appRoot} && npm rebuild ${m.name}`
          : `rebuild it on this server: cd ${appRoot} && npm rebuild ${m.name} (needs a compiler, make and python3)`;
      problems.push({ module: m.name, message: `${m.name} does not load (${what}): ${why}. Fix: ${fix}` });
    }
  }
  return problems;
}
