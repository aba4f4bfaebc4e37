/**
 * The import graph of the application folders, read with the TypeScript parser, and the two
 * verdicts docs/ARCHITECTURE.md asks of it: no value-import cycle, and no import a layer may not
 * make. `import type` (and imports whose every name is `type`, and `typeof import(…)`) are type
 * edges: they count for layering but not for cycles, because nothing runs through them.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type Layer = 'domain' | 'db' | 'contract' | 'services' | 'workflow' | 'activity' | 'api' | 'entry';

export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Bottom first; a module may import only its own rank or lower ones (docs/ARCHITECTURE.md). */
export const LAYER_RANK: Record<Layer, number> = {
  domain: 0,
  db: 1,
  contract: 2,
  services: 3,
  workflow: 4,
  activity: 4,
  api: 5,
  entry: 6,
};

/**
 * What each layer may import (the table of docs/ARCHITECTURE.md): `value` for any import, `type`
 * for imports that are types only. The process entries (worker/, api/server.ts) may import all.
 */
export const MAY_IMPORT: Record<Layer, { value: Layer[]; type: Layer[] }> = {
  domain: { value: ['domain'], type: ['domain'] },
  db: { value: ['domain', 'db'], type: ['domain', 'db'] },
  contract: { value: ['domain', 'contract'], type: ['domain', 'contract'] },
  services: {
    value: ['domain', 'db', 'contract', 'services'],
    type: ['domain', 'db', 'contract', 'services'],
  },
  // Workflow code runs in the sandbox: activities (for proxy types) and stores only as types.
  workflow: {
    value: ['domain', 'contract', 'workflow'],
    type: ['domain', 'db', 'contract', 'workflow', 'activity'],
  },
  activity: {
    value: ['domain', 'db', 'contract', 'services', 'activity'],
    type: ['domain', 'db', 'contract', 'services', 'activity'],
  },
  api: {
    value: ['domain', 'db', 'contract', 'services', 'api'],
    type: ['domain', 'db', 'contract', 'services', 'api'],
  },
  entry: {
    value: ['domain', 'db', 'contract', 'services', 'workflow', 'activity', 'api', 'entry'],
    type: ['domain', 'db', 'contract', 'services', 'workflow', 'activity', 'api', 'entry'],
  },
};

export const APPLICATION_FOLDERS = ['domain', 'db', 'services', 'workflows', 'activities', 'api', 'worker'];

/** The layer of a module by its path relative to the repository root (`api/routes/rentals.ts`). */
export function layerOf(file: string): Layer | undefined {
  const [top] = file.split('/');
  if (file === 'api/server.ts') return 'entry';
  if (/^workflows\/([\w-]+\/contract|contract-types)\.ts$/.test(file)) return 'contract';
  const byFolder: Record<string, Layer> = {
    domain: 'domain',
    db: 'db',
    services: 'services',
    workflows: 'workflow',
    activities: 'activity',
    api: 'api',
    worker: 'entry',
  };
  return byFolder[top];
}

/** Imports of one module: relative specifiers only (packages are lint's business), type-only or not. */
export function importsOf(fileName: string, source: string): { specifier: string; typeOnly: boolean }[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.'))
      found.push({ specifier: spec.text, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      // `import { type A, type B } from` is erased like `import type`; a bare `import './x'` runs.
      const allNamedAreTypes =
        !!clause &&
        !clause.name &&
        !!named &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, !!clause && (clause.isTypeOnly || allNamedAreTypes));
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause;
      const allNamedAreTypes =
        !!named &&
        ts.isNamedExports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || allNamedAreTypes);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Resolves `./x` from `dir/file.ts` against the known modules: `x.ts` or `x/index.ts`. */
function resolve(from: string, specifier: string, modules: ReadonlySet<string>): string | undefined {
  const base = path.posix
    .normalize(path.posix.join(path.posix.dirname(from), specifier))
    .replace(/\.(ts|js)$/, '');
  return [`${base}.ts`, `${base}/index.ts`].find((m) => modules.has(m));
}

/** The graph of a set of modules given as path → source text (a fixture or the repository). */
export function graphOf(sources: ReadonlyMap<string, string>): Edge[] {
  const modules = new Set(sources.keys());
  const edges: Edge[] = [];
  for (const [file, source] of sources) {
    for (const { specifier, typeOnly } of importsOf(file, source)) {
      const to = resolve(file, specifier, modules);
      if (to) edges.push({ from: file, to, typeOnly });
    }
  }
  return edges;
}

/** Every .ts module of the application folders, keyed by its path from `root`. */
export function applicationSources(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts')) sources.set(rel, fs.readFileSync(path.join(root, rel), 'utf8'));
    }
  };
  for (const folder of APPLICATION_FOLDERS) if (fs.existsSync(path.join(root, folder))) walk(folder);
  return sources;
}

/** Each value-import cycle once, as the modules of a strongly connected component (Tarjan). */
export function valueCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of new Set(edges.map((e) => e.from))) if (!index.has(v)) connect(v);
  return cycles;
}

/** Imports from a lower layer to a higher one (by LAYER_RANK), type imports included. */
export function upwardImports(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => {
      const [from, to] = [layerOf(e.from), layerOf(e.to)];
      return from && to && LAYER_RANK[to] > LAYER_RANK[from];
    })
    .map((e) => `${e.from} → ${e.to}`);
}

/** Imports the layer table forbids (e.g. api/ → activities/, a workflow's value import of a store). */
export function forbiddenImports(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => {
      const [from, to] = [layerOf(e.from), layerOf(e.to)];
      if (!from || !to) return false;
      return !MAY_IMPORT[from][e.typeOnly ? 'type' : 'value'].includes(to);
    })
    .map((e) => `${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`);
}
