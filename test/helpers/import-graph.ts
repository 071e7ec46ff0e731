/**
 * The import graph of a source tree, and the two checks the architecture test runs on it:
 * no circle between files, and no arrow against the layer order. The layer table itself
 * is the test's (test/unit/architecture.test.ts); this file names no layer.
 *
 * Imports are read with TypeScript's own pre-processor, so comments and strings never
 * count, and every form counts: `import`/`import type`, `export ... from`, `require()`,
 * `import()` and `import('./x').T` type queries.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import * as ts from 'typescript';

export interface ImportEdge {
  /** importing file, relative to the tree's parent with forward slashes: "src/web/app.ts" */
  from: string;
  /** imported file, same form */
  to: string;
  /** 1-based line of the specifier in `from` */
  line: number;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** relative specifiers that name no file in the tree ("src/a.ts:3 './gone'") */
  unresolved: string[];
}

/** Relative specifiers in one file's text, with their lines. Package and node: imports are not the tree's. */
export function relativeImports(source: string): { specifier: string; line: number }[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles
    .filter((f) => f.fileName.startsWith('./') || f.fileName.startsWith('../'))
    .map((f) => ({ specifier: f.fileName, line: source.slice(0, f.pos).split('\n').length }));
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Reads every .ts file below `root` (a folder named like "src") and resolves its relative imports. */
export function readImportGraph(root: string): ImportGraph {
  const base = dirname(root);
  const rel = (p: string) => relative(base, p).split(sep).join('/');
  const files = listTs(root).map(rel).sort();
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    for (const { specifier, line } of relativeImports(readFileSync(join(base, file), 'utf8'))) {
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      const hit = [`${target}.ts`, `${target}/index.ts`].find((c) => known.has(c));
      if (hit) edges.push({ from: file, to: hit, line });
      else if (!/\.(json|js)$/.test(target)) unresolved.push(`${file}:${line} '${specifier}'`);
    }
  }
  return { files, edges, unresolved };
}

/** The layer unit of a file: its top-level folder below the tree ("web"), or a root file's name ("errors", "cli"). */
export function unitOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, '');
}

/**
 * Every circle between files, each as the path that closes it ("a.ts -> b.ts -> a.ts").
 * One circle per strongly connected group: enough to name what to break.
 */
export function findCycles(graph: Pick<ImportGraph, 'edges'>): string[] {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const nodes = [...new Set(graph.edges.flatMap((e) => [e.from, e.to]))].sort();
  // Tarjan's strongly connected components, iterative so deep trees cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const outs = next.get(top.node) ?? [];
      if (top.i < outs.length) {
        const w = outs[top.i++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const group: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          group.push(w);
        } while (w !== top.node);
        const selfLoop = (next.get(top.node) ?? []).includes(top.node);
        if (group.length > 1 || selfLoop) groups.push(group.sort());
      }
    }
  }
  return groups.map((group) => cyclePath(group, next));
}

/** A shortest way round inside one strongly connected group, from its first file back to it. */
function cyclePath(group: string[], next: Map<string, string[]>): string {
  const inGroup = new Set(group);
  const start = group[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const w of next.get(n) ?? []) {
      if (!inGroup.has(w)) continue;
      if (w === start) {
        const way: string[] = [];
        for (let at: string | undefined = n; at !== undefined && at !== start; at = cameFrom.get(at)) way.unshift(at);
        return [start, ...way, start].join(' -> ');
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, n);
        queue.push(w);
      }
    }
  }
  return group.join(' -> '); // unreachable for a true group
}

export interface Layer {
  /** what the row is, for the failure message */
  name: string;
  /** the units in it; units of one row are independent of each other */
  units: readonly string[];
}

/**
 * Arrows against the order: a file may import its own unit and any unit of a lower row,
 * never a higher row nor another unit of its own row. Also names units the table lacks.
 */
export function layerViolations(graph: Pick<ImportGraph, 'files' | 'edges'>, layers: readonly Layer[]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((layer, i) => layer.units.forEach((u) => rank.set(u, i)));
  const out: string[] = [];
  const missing = [...new Set(graph.files.map(unitOf))].filter((u) => !rank.has(u)).sort();
  for (const u of missing) out.push(`${u} is in no layer of the table: add it where it belongs`);
  for (const e of graph.edges) {
    const a = unitOf(e.from);
    const b = unitOf(e.to);
    if (a === b || !rank.has(a) || !rank.has(b)) continue;
    const ra = rank.get(a)!;
    const rb = rank.get(b)!;
    if (ra > rb) continue;
    const why = ra === rb ? `${a} and ${b} are siblings in layer "${layers[ra]!.name}"` : `${b} (layer "${layers[rb]!.name}") sits above ${a} (layer "${layers[ra]!.name}")`;
    out.push(`${e.from}:${e.line} imports ${e.to}: ${why}`);
  }
  return out;
}
