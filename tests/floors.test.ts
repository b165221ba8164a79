// The architecture as floors. Every import (type-only imports included: they are dependencies a
// reader has to follow too) goes down a floor or stays on its own, and nothing loops — among
// files, and among folders two levels deep (a file directly in a top-level folder stands for
// itself). tslab loads our sources as CommonJS, where a cycle once overflowed its loader.
//
//   kernels/  0  compute kernels: reference, spec suite, bench, native addon
//   base/     1  errors, io, video I/O, rng, compute backends, CLI argument parsing
//   datasets/ 2  the world and its dataset files
//   src/      3  nn, model, text, diffusion  →  4  train | infer (never each other), onnx, provenance
//   eval/     5  the harness, the quality check, figures
//   app/      6  CLI, server, notebook helpers, sweeps, shipping
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const TOP = ['kernels', 'base', 'datasets', 'src', 'eval', 'app'] as const;
const MODEL_FLOOR = new Set(['src/nn', 'src/model', 'src/text', 'src/diffusion']);
const IMPORT = /(?:import|export)\s[^;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gs;

function floor(file: string): number {
  const [top, second] = file.split('/');
  if (top === 'src') return MODEL_FLOOR.has(`${top}/${second}`) ? 3 : 4;
  return { kernels: 0, base: 1, datasets: 2, eval: 5, app: 6 }[top as Exclude<(typeof TOP)[number], 'src'>];
}

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ['build', 'node_modules', 'public'].includes(e.name) ? [] : sources(p);
    return /\.ts$/.test(p) && !/\.(test|bench|d)\.ts$/.test(p) ? [path.relative(root, p).split(path.sep).join('/')] : [];
  });
}

/** file → the files it imports (relative imports that resolve to a source file). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((file) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const deps = [...text.matchAll(IMPORT)].flatMap((m) => {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1] ?? m[2]));
      return [target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}/index.ts`].filter((c) => known.has(c)).slice(0, 1);
    });
    return [file, [...new Set(deps)]];
  }));
}

/** The cycles of a graph (one per strongly connected component of more than one node). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do component.push((w = stack.pop()!));
      while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const folderOf = (file: string) => (file.split('/').length <= 2 ? file : file.split('/').slice(0, 2).join('/'));

describe('floors', () => {
  const files = TOP.flatMap((top) => sources(path.join(root, top)));
  const graph = importGraph(files);

  it('every import goes down a floor or stays on it; train and infer never import each other', () => {
    const upward = [...graph].flatMap(([file, deps]) =>
      deps
        .filter((dep) => floor(dep) > floor(file) || /^src\/(train|infer)\//.test(file) && /^src\/(train|infer)\//.test(dep) && file.split('/')[1] !== dep.split('/')[1])
        .map((dep) => `${file} → ${dep}`),
    );
    expect(files.length).toBeGreaterThan(150);
    expect(upward).toEqual([]);
  });

  it('no file imports itself round a loop', () => {
    expect(cycles(graph).map((c) => c.join(' ↔ '))).toEqual([]);
  });

  it('no folder (two levels deep) imports itself round a loop', () => {
    const folders = new Map<string, string[]>();
    for (const [file, deps] of graph) {
      const from = folderOf(file);
      const to = deps.map(folderOf).filter((f) => f !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    expect(cycles(folders).map((c) => c.join(' ↔ '))).toEqual([]);
  });

  it('catches what it looks for', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(floor('base/io/atomic.ts')).toBeLessThan(floor('datasets/make.ts'));
    expect(floor('src/model/dit.ts')).toBeLessThan(floor('src/train/trainer.ts'));
    expect(floor('eval/score.ts')).toBeLessThan(floor('app/cli/main.ts'));
  });
});
