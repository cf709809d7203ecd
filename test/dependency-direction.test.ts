import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The dependency direction of ../shared/ARCHITECTURE.md, read from the import statements of the
// sources (tests excluded): `http → relay → (keypool, upstream, protocols) → core`, no folder
// cycles, each outside library known to one folder, and the pure modules free of I/O. A violation
// is named with the file and the import that make it; one that must stay until a named issue
// removes it is listed in `knownViolations` below, with why.

const root = resolve(import.meta.dirname, '..');
const sourceRoot = join(root, 'src');

interface Import {
  /** The importing file, relative to the repository (`src/http/create-app.ts`). */
  readonly from: string;
  /** The imported file for a relative import (`src/core/clock.ts`), else the package or builtin. */
  readonly to: string;
  readonly relative: boolean;
  /** `import type` or only type specifiers: gone at run time, but still knowledge of the module. */
  readonly typeOnly: boolean;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return (
      clause !== undefined &&
      ts.isNamedExports(clause) &&
      clause.elements.every((element) => element.isTypeOnly)
    );
  }
  const clause = node.importClause;
  if (!clause) return false; // `import 'x'`: run for its effects
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

/** Every import of one file, parsed as TypeScript: comments and strings cannot fake one. */
function importsOf(path: string): Import[] {
  const from = relative(root, path);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const isRelative = specifier.startsWith('.');
    const to = isRelative
      ? relative(root, resolve(dirname(path), specifier)).replace(/\.js$/, '.ts')
      : specifier.replace(/^node:/, '').replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1');
    found.push({ from, to, relative: isRelative, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, isTypeOnly(node));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The folder of a source file under src/ (`http`, `protocols/openai`); `(root)` for src/*.ts. */
const folderOf = (file: string) => dirname(relative('src', file)).replace(/^\.$/, '(root)');
const topFolderOf = (file: string) => folderOf(file).split('/')[0] ?? '(root)';

/** The strongly connected components of more than one node (Tarjan): each holds a cycle. */
function cyclesOf(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) connect(node);
  return components;
}

/**
 * A violation that stays, for a reason, until the named issue removes it. It matches one import
 * (importing file and imported file or package) so that any other import breaking the same rule
 * still fails. Keep this list short: a small violation is fixed by moving a type, not listed here.
 */
interface KnownViolation {
  readonly from: string;
  readonly to: string;
  readonly why: string;
  readonly removedBy: string;
}

const knownViolations: readonly KnownViolation[] = [];

/** Libraries each known to one folder only, even by their types. */
const packageOwners: Readonly<Record<string, string>> = {
  fastify: 'http',
  undici: 'upstream',
  socks: 'upstream',
  kysely: 'storage',
  'better-sqlite3': 'storage',
  mysql2: 'storage',
  pg: 'storage',
  'prom-client': 'observability',
  ioredis: 'storage',
  // The gateway runs other programs (ffmpeg) from one folder, with bounded, shell-free spawns.
  child_process: 'media',
};

/** Modules that reach outside the process (files, network, processes) or own an outside library. */
const ioModules = new Set([
  'fs',
  'net',
  'http',
  'https',
  'http2',
  'dns',
  'tls',
  'dgram',
  'child_process',
  'cluster',
  'worker_threads',
  ...Object.keys(packageOwners),
  'pino',
]);

/**
 * Files that must stay free of I/O: `protocols/` (pure translators) and the pure parts of
 * `keypool/`. The key pool's thin stateful shell (the pool and the saver of its states) is left
 * out: it holds timers and talks to a store, through an interface the composition root fills.
 */
const keypoolShell = new Set(['src/keypool/key-pool.ts', 'src/keypool/create-key-state-saver.ts']);
const mustBePure = (file: string) =>
  file.startsWith('src/protocols/') || (file.startsWith('src/keypool/') && !keypoolShell.has(file));

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly message: string;
}

/**
 * Every violation of the dependency direction among the given imports, one per import. An
 * `excepted` import is left out of every check, the folder graph included: a cycle it alone makes
 * is not reported, one that other imports make still is.
 */
function findViolations(
  allImports: readonly Import[],
  excepted: (entry: Import) => boolean = () => false,
): Violation[] {
  const imports = allImports.filter((entry) => !excepted(entry));
  const violations: Violation[] = [];

  for (const entry of imports) {
    const owner = packageOwners[entry.to];
    if (entry.relative || owner === undefined) continue;
    if (topFolderOf(entry.from) === owner) continue;
    violations.push({
      ...entry,
      message: `${entry.from} imports ${entry.to}, which only src/${owner}/ may know`,
    });
  }

  // Pure files: no I/O module, directly or through the files they import at run time (type-only
  // imports are erased and bring nothing along).
  const runtimeImports = new Map<string, Import[]>();
  for (const entry of imports) {
    if (entry.typeOnly) continue;
    runtimeImports.set(entry.from, [...(runtimeImports.get(entry.from) ?? []), entry]);
  }
  for (const file of new Set(imports.map((entry) => entry.from))) {
    if (!mustBePure(file)) continue;
    for (const entry of imports.filter((candidate) => candidate.from === file && !candidate.relative)) {
      if (ioModules.has(entry.to)) {
        violations.push({ ...entry, message: `${file} is pure but imports ${entry.to}` });
      }
    }
    // Breadth-first through run-time imports, remembering the path for the message.
    const seen = new Set([file]);
    const queue: string[][] = [[file]];
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const current = path[path.length - 1] ?? file;
      for (const entry of runtimeImports.get(current) ?? []) {
        if (!entry.relative) {
          if (current !== file && ioModules.has(entry.to)) {
            violations.push({
              from: file,
              to: entry.to,
              message: `${file} is pure but reaches ${entry.to} through ${[...path.slice(1)].join(' → ')}`,
            });
          }
        } else if (!seen.has(entry.to)) {
          seen.add(entry.to);
          queue.push([...path, entry.to]);
        }
      }
    }
  }

  // Folder cycles, at two scales: the folders under src/ (http, relay, keypool, ...) and every
  // folder (protocols/gemini and protocols/openai apart). Each folder edge inside a cycle is named
  // with how many imports make it and one of them, thinnest first: the likeliest to be the wrong one.
  for (const scale of [topFolderOf, folderOf]) {
    const edgeImports = new Map<string, Import[]>();
    const edges = new Map<string, Set<string>>();
    for (const entry of imports) {
      if (!entry.relative) continue;
      const from = scale(entry.from);
      const to = scale(entry.to);
      if (from === to) continue;
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
      if (!edges.has(to)) edges.set(to, new Set());
      const key = `${from} → ${to}`;
      edgeImports.set(key, [...(edgeImports.get(key) ?? []), entry]);
    }
    for (const component of cyclesOf(edges)) {
      const members = new Set(component);
      const inside = [...edgeImports].filter(([key]) => {
        const [from = '', to = ''] = key.split(' → ');
        return members.has(from) && members.has(to);
      });
      inside.sort(([, a], [, b]) => a.length - b.length);
      for (const [key, edge] of inside) {
        const [first] = edge;
        const message =
          `folder cycle ${component.join(' ⇄ ')}: ${key} by ${edge.length} import(s), ` +
          `e.g. ${first?.from} imports ${first?.to}`;
        for (const entry of edge) violations.push({ ...entry, message });
      }
    }
  }
  // Folders without subfolders are the same at both scales: their cycles are found twice.
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = `${violation.from} ${violation.to} ${violation.message}`;
    return !seen.has(key) && seen.add(key);
  });
}

/** Each message once, in order: the imports of one folder edge share theirs. */
const messagesOf = (violations: readonly Violation[]) => [
  ...new Set(violations.map((violation) => violation.message)),
];

const isKnown = (entry: { from: string; to: string }) =>
  knownViolations.some((known) => known.from === entry.from && known.to === entry.to);

describe('the dependency direction', () => {
  const imports = sourceFiles(sourceRoot).flatMap(importsOf);
  const violations = findViolations(imports);

  it('reads the imports of every source file', () => {
    // A parse that found nothing would pass every check below.
    expect(imports.some((entry) => entry.from === 'src/http/create-app.ts' && entry.to === 'fastify')).toBe(
      true,
    );
    expect(imports.some((entry) => entry.from === 'src/main.ts' && entry.to === 'src/start-gateway.ts')).toBe(
      true,
    );
  });

  it('holds: no folder cycle, each library in its folder, pure modules free of I/O', () => {
    expect(messagesOf(findViolations(imports, isKnown))).toEqual([]);
  });

  it('lists no known violation that is gone (each still breaks a rule without its exception)', () => {
    const stale = knownViolations.filter(
      (known) => !violations.some((violation) => violation.from === known.from && violation.to === known.to),
    );
    expect(stale.map((known) => `${known.from} → ${known.to} (${known.removedBy})`)).toEqual([]);
  });
});

// The checks themselves, on imports made up for the purpose: each rule must be able to fail.
describe('findViolations', () => {
  const runtime = (from: string, to: string): Import => ({
    from,
    to,
    relative: to.startsWith('src/'),
    typeOnly: false,
  });

  it('finds a folder cycle and names each of its edges, thinnest first', () => {
    const violations = findViolations([
      runtime('src/config/a.ts', 'src/keypool/b.ts'),
      runtime('src/config/c.ts', 'src/keypool/b.ts'),
      runtime('src/keypool/b.ts', 'src/config/c.ts'),
      runtime('src/http/d.ts', 'src/config/a.ts'),
    ]);
    expect(messagesOf(violations)).toEqual([
      'folder cycle config ⇄ keypool: keypool → config by 1 import(s), e.g. src/keypool/b.ts imports src/config/c.ts',
      'folder cycle config ⇄ keypool: config → keypool by 2 import(s), e.g. src/config/a.ts imports src/keypool/b.ts',
    ]);
    // Every import of the cycle is a violation of its own, for known violations to name.
    expect(violations).toHaveLength(3);
  });

  it('reports a cycle that an excepted import alone makes no more, and one other imports make', () => {
    const imports = [
      runtime('src/config/a.ts', 'src/keypool/b.ts'),
      runtime('src/keypool/b.ts', 'src/config/c.ts'),
    ];
    const exceptFirst = (entry: Import) => entry.from === 'src/config/a.ts';
    expect(findViolations(imports, exceptFirst)).toEqual([]);
    expect(
      findViolations([...imports, runtime('src/config/d.ts', 'src/keypool/e.ts')], exceptFirst),
    ).toHaveLength(2);
  });

  it('finds a cycle between subfolders', () => {
    const messages = messagesOf(
      findViolations([
        runtime('src/protocols/gemini/a.ts', 'src/protocols/openai/b.ts'),
        runtime('src/protocols/openai/b.ts', 'src/protocols/gemini/c.ts'),
      ]),
    );
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^folder cycle protocols\/gemini ⇄ protocols\/openai/);
  });

  it('finds a library outside its folder, type-only imports and the composition root included', () => {
    const messages = messagesOf(
      findViolations([
        { ...runtime('src/relay/a.ts', 'fastify'), typeOnly: true },
        runtime('src/http/b.ts', 'undici'),
        runtime('src/config/c.ts', 'pg'),
        runtime('src/storage/d.ts', 'kysely'),
        { ...runtime('src/start-gateway.ts', 'fastify'), typeOnly: true },
      ]),
    );
    expect(messages).toEqual([
      'src/relay/a.ts imports fastify, which only src/http/ may know',
      'src/http/b.ts imports undici, which only src/upstream/ may know',
      'src/config/c.ts imports pg, which only src/storage/ may know',
      'src/start-gateway.ts imports fastify, which only src/http/ may know',
    ]);
  });

  it('finds I/O in a pure module, directly or through what it imports at run time', () => {
    const messages = messagesOf(
      findViolations([
        runtime('src/protocols/openai/a.ts', 'fs'),
        runtime('src/keypool/next-key-state.ts', 'src/core/b.ts'),
        runtime('src/core/b.ts', 'net'),
        { ...runtime('src/protocols/gemini/c.ts', 'src/upstream/d.ts'), typeOnly: true },
        runtime('src/upstream/d.ts', 'undici'),
        runtime('src/keypool/key-pool.ts', 'src/core/b.ts'),
      ]),
    );
    expect(messages).toEqual([
      'src/protocols/openai/a.ts is pure but imports fs',
      'src/keypool/next-key-state.ts is pure but reaches net through src/core/b.ts',
    ]);
  });
});
