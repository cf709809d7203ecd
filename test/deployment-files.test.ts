import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The deployment files (Dockerfile, .dockerignore, docker-compose.yml, deploy/nginx.conf,
// .env.example) cannot be built on the development machine, which has no Docker engine: this test
// reads them as text and checks the properties that matter, and checks that the runtime stage's
// `npm ci --omit=dev` is enough for what dist/ imports.

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// ---- Dockerfile ----------------------------------------------------------------------------------

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** The Dockerfile's instructions, comments dropped and continued lines (`\` at the end) joined. */
function instructions(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      pending += `${line.replace(/\\\s*$/, '')} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole) logical.push(whole);
  }
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

function dockerfile(): { globalArgs: Map<string, string>; stages: Stage[] } {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions(read('Dockerfile'))) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match?.[1]) throw new Error(`cannot read FROM ${instruction.args}`);
      const image = match[1].replace(/^\$\{?(\w+)\}?$/, (_, name: string) => globalArgs.get(name) ?? name);
      stages.push({ image, name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name = '', value = ''] = instruction.args.split('=');
        globalArgs.set(name, value);
      }
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('Dockerfile', () => {
  const { stages } = dockerfile();
  const stageNames = new Set(stages.map((stage) => stage.name).filter((name) => name !== undefined));
  const runtime = stages.at(-1) as Stage;
  const stageByName = (name: string) => stages.find((stage) => stage.name === name);
  /** The stage a stage is built on, followed to the first one that starts from an image. */
  const ancestry = (stage: Stage): Stage[] => {
    const parent = stageByName(stage.image);
    return parent ? [stage, ...ancestry(parent)] : [stage];
  };
  const inherited = (stage: Stage) => ancestry(stage).flatMap((s) => s.instructions);

  it('builds in stages: one runs npm ci and npm run build, the runtime is another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((stage) => runs(stage).some((run) => /\bnpm run build\b/.test(run)));
    expect(build, 'a stage runs npm run build').toBeDefined();
    expect(runs(build as Stage).some((run) => /\bnpm ci\b(?!.*--omit=dev)/.test(run))).toBe(true);
    expect(build).not.toBe(runtime);
    expect(runs(runtime).join('\n')).not.toMatch(/npm run build|\bnpm (ci|install)\b/);
  });

  it('starts every stage from an image pinned to a version tag, or from an earlier stage', () => {
    for (const stage of stages) {
      if (stageNames.has(stage.image)) continue;
      const tag = /^[^:@]+:([^@]+)$/.exec(stage.image)?.[1];
      expect(tag, `${stage.image} names a tag`).toBeDefined();
      expect(tag).not.toBe('latest');
      expect(tag, `${stage.image}: the tag names a major.minor version`).toMatch(/^\d+\.\d+/);
    }
  });

  it('adds nothing from a remote URL', () => {
    const adds = stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'ADD'));
    for (const add of adds) expect(add.args).not.toMatch(/\b(https?|git|ftp):\/\/|git@/);
  });

  it('runs the gateway as a user other than root, with the compiled entry point', () => {
    const users = inherited(runtime).filter((i) => i.keyword === 'USER');
    const user = users[0]?.args.split(':')[0];
    expect(user, 'the runtime stage sets USER').toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '';
    // `npm start` would run `prestart`, a whole build, in a stage without the dev dependencies.
    expect(cmd).toMatch(/"node",\s*"dist\/main\.js"/);
    expect(cmd).not.toMatch(/npm/);
  });

  it('checks its health on /health with node, not with a tool the slim image lacks', () => {
    const healthchecks = runtime.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const check = healthchecks[0]?.args ?? '';
    expect(check).toMatch(/CMD\s+\[\s*"node"/);
    expect(check).toMatch(/\/health\b/);
    expect(check).not.toMatch(/\b(curl|wget)\b/);
    expect(check).toMatch(/--timeout=\d+s/);
  });

  it('exposes 8000, stops on SIGTERM and keeps SQLite in the /app/data volume', () => {
    const args = (keyword: string) =>
      inherited(runtime)
        .filter((i) => i.keyword === keyword)
        .map((i) => i.args)
        .join('\n');
    expect(args('EXPOSE')).toMatch(/\b8000\b/);
    expect(args('STOPSIGNAL')).toBe('SIGTERM');
    expect(args('VOLUME')).toMatch(/\/app\/data\b/);
    expect(args('ENV')).toMatch(/SQLITE_DATABASE=\/app\/data\/\S+/);
    expect(args('WORKDIR')).toMatch(/^\/app$/m);
    // Only the data directory is the gateway user's: the image's code stays read-only to it.
    expect(runs(runtime).join('\n')).toMatch(/chown\s+\S+\s+\/app\/data\b/);
  });

  it('installs Debian’s ffmpeg in the runtime, for speech in mp3, opus, aac and flac', () => {
    const install = runs(runtime).find((run) => /\bapt-get install\b.*\bffmpeg\b/.test(run));
    expect(install, 'the runtime stage installs ffmpeg').toBeDefined();
    expect(install).toMatch(/--no-install-recommends/);
    expect(install).toMatch(/\bapt-get update\b/);
    // The package lists stay out of the image's layer.
    expect(install).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
  });

  it("takes node_modules from a stage that installed the production dependencies alone, never the build's", () => {
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
    const modules = copies.filter((i) => /node_modules/.test(i.args));
    expect(modules).toHaveLength(1);
    const from = /--from=(\S+)/.exec(modules[0]?.args ?? '')?.[1];
    const source = from === undefined ? undefined : stageByName(from);
    expect(source, 'node_modules come from a named stage').toBeDefined();
    const installs = ancestry(source as Stage)
      .flatMap(runs)
      .filter((run) => /\bnpm (ci|install|i)\b/.test(run));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toMatch(/--omit=dev\b/);
    // The runtime has the compiled gateway and its console, and package.json ("type": "module").
    expect(copies.some((i) => /--from=\S+\s+\/app\/dist\s/.test(i.args))).toBe(true);
    expect(copies.some((i) => /^package\.json\b/.test(i.args))).toBe(true);
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
    for (const required of ['node_modules', 'dist', 'data', '.env', 'test-results', '.git']) {
      expect(ignored).toContain(required);
    }
    const fromContext = stages
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((word) => !word.startsWith('--'))
          .slice(0, -1),
      );
    expect(fromContext.length).toBeGreaterThan(0);
    for (const path of fromContext) {
      expect(existsSync(join(root, path)), `${path} exists`).toBe(true);
      expect(ignored, `${path} is not ignored`).not.toContain(path);
    }
  });
});

// ---- docker-compose.yml ------------------------------------------------------------------------

/** A top-level block's lines: from `name:` at indent `indent` to the next key at that indent. */
function block(lines: readonly string[], name: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const start = lines.findIndex((line) => new RegExp(`^${pad}${name}:(\\s|$)`).test(line));
  if (start === -1) return [];
  const end = lines.findIndex(
    (line, index) => index > start && new RegExp(`^ {0,${indent}}[^\\s#]`).test(line),
  );
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const lines = text.split('\n');
  const services = block(lines, 'services', 0);
  const serviceNames = services.flatMap((line) => /^ {2}([\w.-]+):\s*$/.exec(line)?.[1] ?? []);
  const service = (name: string) => block(services, name, 2).join('\n');
  const anchor = /^(x-[\w-]+):\s*&(\w+)\s*$/m.exec(text);
  const gatewayTemplate = anchor?.[1] ? block(lines, anchor[1], 0).join('\n') : '';
  const gateways = serviceNames.filter((name) =>
    new RegExp(`<<:\\s*\\*${anchor?.[2]}\\b`).test(service(name)),
  );
  const byImage = (pattern: RegExp) =>
    serviceNames.filter((name) => pattern.test(/^\s+image:\s*(\S+)/m.exec(service(name))?.[1] ?? ''));
  const dependsOnHealthy = (name: string, on: string) =>
    new RegExp(`depends_on:[\\s\\S]*?\\n {6}${on}:\\s*\\n {8}condition: service_healthy`).test(service(name));

  it('has a database, Redis, two gateway instances of this image and a proxy', () => {
    expect(text).not.toMatch(/^version:/m); // the compose specification has none
    expect(gateways).toHaveLength(2);
    expect(gatewayTemplate).toMatch(/^\s+build: \.\s*$/m);
    expect(byImage(/^(mariadb|mysql):\d+(\.\d+)?/)).toHaveLength(1);
    expect(byImage(/^redis:\d+\.\d+/)).toHaveLength(1);
    expect(byImage(/^(nginx|caddy):\d+\.\d+/)).toHaveLength(1);
    for (const image of text.matchAll(/^\s+image:\s*(\S+)/gm))
      expect(image[1]).not.toMatch(/:latest$|^[^:]+$/);
  });

  it('gives the database, Redis and the proxy health checks, and starts each part after the healthy ones it needs', () => {
    const [db = ''] = byImage(/^(mariadb|mysql):/);
    const [redis = ''] = byImage(/^redis:/);
    const [proxy = ''] = byImage(/^(nginx|caddy):/);
    for (const name of [db, redis, proxy]) expect(service(name), name).toMatch(/^\s+healthcheck:\s*$/m);
    expect(service(db)).toMatch(/^\s+- [\w-]+:\/var\/lib\/mysql\b/m);
    for (const gateway of gateways) {
      expect(dependsOnHealthy(gateway, db), `${gateway} waits for ${db}`).toBe(true);
      expect(dependsOnHealthy(gateway, redis), `${gateway} waits for ${redis}`).toBe(true);
      expect(dependsOnHealthy(proxy, gateway), `${proxy} waits for ${gateway}`).toBe(true);
    }
  });

  it('runs the gateways on MySQL with an init, a shared admin token and time to drain', () => {
    expect(gatewayTemplate).toMatch(/^\s+DATABASE_TYPE: mysql\s*$/m);
    expect(gatewayTemplate).toMatch(/^\s+init: true\s*$/m);
    expect(gatewayTemplate).toMatch(/^\s+AUTH_TOKEN: \$\{AUTH_TOKEN:\?/m);
    expect(gatewayTemplate).toMatch(/^\s+REDIS_URL: redis:\/\//m);
    // SHUTDOWN_TIMEOUT_SECONDS (30) and the 15 s main.ts allows to close: compose's default is 10 s.
    const grace = Number(/stop_grace_period:\s*(\d+)s/.exec(gatewayTemplate)?.[1]);
    expect(grace).toBeGreaterThanOrEqual(45);
  });

  it('says what the instances share through Redis, and what an outage of it means', () => {
    const comments = text.replace(/\s*\n#\s*/g, ' ');
    expect(comments).toMatch(/through Redis \(REDIS_URL\), the pool's facts/);
    expect(comments).toMatch(/If Redis goes away, each serves from its own view/);
  });

  it('commits no secret: passwords and tokens come from .env, which git and the image ignore', () => {
    for (const match of text.matchAll(/^\s+([A-Z_]*(?:PASSWORD|TOKEN|SECRET|API_KEYS)[A-Z_]*):\s*(.*)$/gm)) {
      expect(match[2], `${match[1]} is interpolated`).toMatch(/^\$\{\w+:\?[^}]*\}$|^"1"$/);
    }
    expect(text).toMatch(/env_file: \.env\s*$/m);
    expect(read('.gitignore').split('\n')).toContain('.env');
    const example = read('.env.example');
    for (const match of example.matchAll(/^(\w+)=(.*)$/gm)) {
      expect(match[2], `${match[1]} in .env.example is a placeholder`).toMatch(/replace/i);
    }
    for (const name of ['API_KEYS', 'AUTH_TOKEN', 'ALLOWED_TOKENS', 'MYSQL_PASSWORD']) {
      expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
    }
  });

  it('mounts the committed proxy configuration', () => {
    expect(text).toMatch(/- \.\/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro/);
  });
});

// ---- deploy/nginx.conf ---------------------------------------------------------------------------

describe('deploy/nginx.conf', () => {
  const text = read('deploy/nginx.conf').replace(/#.*$/gm, '');
  const directive = (name: string) =>
    [...text.matchAll(new RegExp(`^\\s*${name}\\s+([^;]*);`, 'gm'))].map((match) => match[1]);

  it('balances round-robin over both instances, on kept-alive HTTP/1.1 connections', () => {
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(text);
    expect(upstream).not.toBeNull();
    const servers = [...(upstream?.[2] ?? '').matchAll(/^\s*server\s+(\S+)/gm)].map((match) => match[1]);
    expect(servers).toEqual(['gateway-1:8000', 'gateway-2:8000']);
    expect(upstream?.[2]).not.toMatch(/\b(ip_hash|least_conn|hash|random)\b/);
    expect(upstream?.[2]).toMatch(/^\s*keepalive\s+\d+;/m);
    expect(directive('proxy_pass')).toEqual([`http://${upstream?.[1]}`]);
    expect(directive('proxy_http_version')).toEqual(['1.1']);
    expect(directive('proxy_set_header Connection')).toEqual(['""']);
  });

  it('lets server-sent events through as they are written', () => {
    expect(directive('proxy_buffering')).toEqual(['off']);
    expect(directive('gzip')).toEqual(['off']);
    const readTimeout = directive('proxy_read_timeout')[0] ?? '';
    expect(Number(/^(\d+)s$/.exec(readTimeout)?.[1])).toBeGreaterThanOrEqual(300); // TIME_OUT's default
  });

  it('passes who asked and over what', () => {
    expect(directive('proxy_set_header X-Forwarded-For')).toEqual(['$proxy_add_x_forwarded_for']);
    expect(directive('proxy_set_header X-Forwarded-Proto')).toEqual(['$scheme']);
    expect(directive('proxy_set_header Host')).toEqual(['$host']);
    // The gateway's own body limit (src/http/create-app.ts).
    expect(directive('client_max_body_size')).toEqual(['64m']);
  });
});

// ---- what the runtime stage installs -------------------------------------------------------------

// The runtime image holds dist/ and `npm ci --omit=dev`. dist/ is every non-test file under src/
// (tsconfig.build.json), the command-line tools of src/cli and the fake upstream of
// src/fake-upstream included: they are not excluded here, since they are compiled into the image
// and must run there too (`node dist/cli/import-gemini-balance.js`). The console (web/) is bundled
// by Vite into static files at build time, so Preact, uPlot and Vite are not needed at run time.

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The modules a file loads at run time: `import type` and type-only specifier lists are erased. */
function runtimeImports(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // With verbatimModuleSyntax, `import { type A } from 'x'` still loads 'x'; `import type` does not.
      if (!node.importClause?.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('npm ci --omit=dev is enough at run time', () => {
  const manifest = JSON.parse(read('package.json')) as {
    type?: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const production = new Set(Object.keys(manifest.dependencies ?? {}));
  const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
  const files = sourceFiles(join(root, 'src'));

  it('compiles every non-test file of src/ and nothing else into dist/', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as {
      include?: string[];
      exclude?: string[];
      compilerOptions?: { outDir?: string };
    };
    expect(build.include).toEqual(['src']);
    expect(build.exclude).toContain('src/**/*.test.ts');
    expect(build.compilerOptions?.outDir).toBe('dist');
    expect(manifest.type).toBe('module');
    expect(files.length).toBeGreaterThan(50);
  });

  it('imports from outside packages only those in dependencies', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const specifier of runtimeImports(file)) {
        if (specifier.startsWith('.') || builtins.has(specifier)) continue;
        const name = /^((?:@[^/]+\/)?[^/]+)/.exec(specifier)?.[1] ?? specifier;
        if (!production.has(name)) {
          const kind = manifest.devDependencies?.[name] ? 'a devDependency' : 'not in package.json';
          problems.push(`${relative(root, file)} imports ${specifier}, ${kind}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('reaches no file outside src/ (web/, test/, bench/ are not in the runtime image)', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const specifier of runtimeImports(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = relative(join(root, 'src'), resolve(dirname(file), specifier));
        if (target.startsWith('..')) problems.push(`${relative(root, file)} imports ${specifier}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
