// The import graph of our own files has no cycle, and infrastructure never depends on the features or on app.ts
// (features depend on infra; app.ts assembles features). Type-only imports count too: they tie modules together
// just the same for whoever reads or moves them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
// `import … from '…'`, `import type …`, `export … from '…'` (possibly over several lines), and `import '…'`.
const IMPORT = /^(?:import|export)\s[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm;

/** Each file's relative imports, as absolute paths of .ts files, for every file reachable from `dirs`. */
function importGraph(dirs: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const add = (file: string): void => {
    if (graph.has(file)) return;
    const targets: string[] = [];
    graph.set(file, targets);
    for (const [, from, bare] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = (from ?? bare)!;
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      assert.ok(existsSync(target), `${rel(file)} imports ${specifier}, which resolves to no file`);
      targets.push(target);
    }
    targets.forEach(add);
  };
  for (const dir of dirs) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.ts')) add(join(ROOT, dir, f));
    }
  }
  return graph;
}

const rel = (file: string): string => relative(ROOT, file).split(sep).join('/');

/** One cycle per back edge of a depth-first walk: none means the graph has no cycle at all. */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    path.push(file);
    for (const target of graph.get(file)!) {
      const at = path.indexOf(target);
      if (at >= 0) found.push([...path.slice(at), target].map(rel).join(' -> '));
      else if (!done.has(target)) visit(target);
    }
    path.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file);
  return found;
}

/** Import chains from `file` to a file `forbidden` accepts, one per forbidden file reached. */
function reaching(graph: Map<string, string[]>, file: string, forbidden: (f: string) => boolean): string[] {
  const parent = new Map<string, string>([[file, '']]);
  const queue = [file];
  const chains: string[] = [];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    for (const target of graph.get(current)!) {
      if (parent.has(target)) continue;
      parent.set(target, current);
      if (!forbidden(target)) queue.push(target);
      else {
        const chain = [target];
        for (let p = current; p; p = parent.get(p)!) chain.unshift(p);
        chains.push(chain.map(rel).join(' -> '));
      }
    }
  }
  return chains;
}

describe('import graph', () => {
  const graph = importGraph(['src', 'scripts', 'test/helpers']);

  it('sees type-only imports and the features app.ts registers (the walk is not blind)', () => {
    assert.ok(graph.get(join(ROOT, 'src/app.ts'))!.includes(join(ROOT, 'src/features/auth/routes.ts')));
    assert.ok(graph.get(join(ROOT, 'src/features/auth/service.ts'))!.includes(join(ROOT, 'src/infra/deps.ts')));
  });

  it('has no cycle in src, scripts or the test helpers', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('keeps src/infra below the features and app.ts, even through other files', () => {
    const above = (f: string) => rel(f).startsWith('src/features/') || rel(f) === 'src/app.ts';
    const infra = [...graph.keys()].filter((f) => rel(f).startsWith('src/infra/')).sort();
    assert.deepEqual(infra.flatMap((f) => reaching(graph, f, above)), []);
  });
});
