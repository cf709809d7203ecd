import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Benchmarks run the fake upstream and the gateway as separate processes, as in production, so
// neither shares an event loop with the load generator.
const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

export interface Service {
  readonly url: string;
  /** The process's id, for benchmarks that read its CPU time from /proc. */
  readonly pid: number;
  stop(): Promise<void>;
  /** What the process wrote to stdout so far, line by line. */
  lines(): string[];
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * Waits for a line matching `pattern`. Output is read for the process's whole life (a pipe nobody
 * reads would block the process once full) and kept, for benchmarks that read its logs.
 */
async function waitForLine(child: ChildProcess, pattern: RegExp): Promise<() => string[]> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => process.stderr.write(chunk));
  await new Promise<void>((done, fail) => {
    const check = () => {
      if (!pattern.test(output)) return;
      child.stdout?.off('data', check);
      done();
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) =>
      fail(new Error(`service exited with ${code} before it was ready:\n${output}`)),
    );
  });
  return () => output.split('\n');
}

function stopper(child: ChildProcess) {
  return () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
}

export async function startFakeUpstreamProcess(extraArgs: string[] = []): Promise<Service> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(root, 'src/fake-upstream/cli.ts'), '--port', String(port), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines = await waitForLine(child, /listening on/);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child), lines };
}

export async function startReferenceRelayProcess(upstreamUrl: string): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'bench/reference-relay.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), UPSTREAM_URL: upstreamUrl },
  });
  const lines = await waitForLine(child, /listening/);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child), lines };
}

/**
 * The gateway as users run it (`npm start`): the build in dist/, which `npm run bench` makes first.
 * Under tsx every function made per request is also named at run time (esbuild's keepNames), which
 * cost the gateway's request path a tenth or more that no user pays.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  options: {
    /** Another build than `dist/` (bench/compare-builds.ts); inside the repository, for its node_modules. */
    readonly build?: string;
    /** Node's own flags, such as `--cpu-prof`, which NODE_OPTIONS does not take. */
    readonly nodeArgs?: readonly string[];
  } = {},
): Promise<Service> {
  const port = await freePort();
  const main = join(resolve(options.build ?? join(root, 'dist')), 'main.js');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
  });
  const lines = await waitForLine(child, /gemgate listening on/);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child), lines };
}

/** bench/round-robin-proxy.ts in a process of its own, alternating over `targets` per request. */
export async function startRoundRobinProxyProcess(targets: readonly string[]): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'bench/round-robin-proxy.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), TARGETS: targets.join(',') },
  });
  const lines = await waitForLine(child, /round-robin proxy listening/);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child), lines };
}
