// No import cycles among the project's modules: tslab loads our sources as CommonJS, and a
// cycle there overflowed its loader ("Maximum call stack size exceeded" in every notebook).
// Type-only imports are erased and do not count.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const FOLDERS = ['src', 'datasets', 'eval', 'kernels'];
const VALUE_IMPORT = /^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm;

/** `import type …`, or `import { type A, type B } from …`: erased when compiled. */
function isTypeOnly(statement: string): boolean {
  const named = /\{([^}]*)\}/.exec(statement);
  if (!named || /^(import|export)\s+[\w*]/.test(statement.replace(/^(import|export)\s+\{/, ''))) return false;
  return named[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
}

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'build' || e.name === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.bench.ts') ? [p] : [];
  });
}

describe('import graph', () => {
  it('has no cycles of value imports', () => {
    const files = FOLDERS.flatMap((f) => sources(path.join(root, f)));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const deps = [...text.matchAll(VALUE_IMPORT)]
        .filter((m) => !isTypeOnly(m[0]))
        .map((m) => path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts')))
        .filter((p) => fs.existsSync(p));
      graph.set(file, deps);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map((p) => path.relative(root, p)).join(' → '));
        return;
      }
      state.set(f, 'visiting');
      stack.push(f);
      for (const d of graph.get(f) ?? []) visit(d);
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f);
    expect(files.length).toBeGreaterThan(50);
    expect(cycles).toEqual([]);
  });
});
