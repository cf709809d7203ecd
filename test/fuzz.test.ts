import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/spawn-service.js';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import {
  adminCases,
  anthropicCases,
  authCases,
  type ErrorShape,
  type HostileCase,
  nativeCases,
  openAICases,
  parserCases,
  pathCases,
} from './helpers/hostile-cases.js';
import { parseRawAnswer, rawExchange } from './helpers/raw-http.js';

// Hostile requests against every public route of the gateway running as its own process, so a
// crash shows as an exit: every case must get a 4xx in its API's error shape, the process must
// live, and its memory must stay bounded. FUZZ_SEED=<n> replays a run; FUZZ_SCALE multiplies the
// number of cases (1 by default: 8 200 cases, 15 to 45 s on two cores).

const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const tokens = { client: 'sk-fuzz-client-token', admin: 'fuzz-admin-token-0123456789' };
const maxRssGrowthMb = 150;

const families: readonly [string, fc.Arbitrary<HostileCase>, number][] = [
  ['native', nativeCases(tokens), 1800],
  ['openai', openAICases(tokens), 3000],
  ['anthropic', anthropicCases(tokens), 1000],
  ['paths', pathCases(tokens), 1000],
  ['admin', adminCases(tokens), 600],
  ['auth', authCases(tokens), 300],
  ['parser', parserCases(tokens), 500],
];

interface Failure {
  /** The test's family, then the generator's. */
  readonly group: string;
  readonly family: string;
  readonly request: string;
  readonly status: number;
  readonly body: string;
}

/** Whether an answer is a 4xx in the error shape of the API the request was sent to. */
function inShape(shape: ErrorShape, status: number, body: unknown): boolean {
  if (status < 400 || status > 499) return false;
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error.message !== 'string') return false;
  switch (shape) {
    case 'gemini':
      return error.code === status && typeof error.status === 'string';
    case 'openai':
      return typeof error.type === 'string' && 'param' in error && 'code' in error;
    case 'anthropic':
      return (body as { type?: unknown }).type === 'error' && typeof error.type === 'string';
    case 'admin':
      return error.code === status;
  }
}

function rssMb(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) / 1024;
}

describe('fuzzing every public route', () => {
  let fake: FakeUpstream;
  let gateway: ChildProcess;
  let directory: string;
  let url: string;
  let http: Pool;
  let output = '';
  let exitCode: number | null | undefined;
  const failures: Failure[] = [];
  const tried = new Map<string, number>();
  const rss = { start: 0, peak: 0, end: 0 };

  beforeAll(async () => {
    fake = await createFakeUpstream();
    directory = mkdtempSync(join(tmpdir(), 'gemgate-fuzz-'));
    const port = await freePort();
    gateway = spawn(process.execPath, ['--import', tsxLoader, join(root, 'src/main.ts')], {
      cwd: directory,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        API_KEYS: 'ok-fuzz-a,ok-fuzz-b',
        ALLOWED_TOKENS: tokens.client,
        AUTH_TOKEN: tokens.admin,
        BASE_URL: `${fake.url}/v1beta`,
        SQLITE_DATABASE: join(directory, 'gemgate.db'),
        // No model feature applies to plain model names, so their bodies go to the fake byte for
        // byte; `-search` names (SEARCH_MODELS) take the path that parses and rewrites them.
      },
    });
    url = await new Promise<string>((listening, failed) => {
      const read = (chunk: Buffer) => {
        output += chunk;
        const address = /gemgate listening on (\S+)/.exec(output)?.[1];
        if (address) listening(address);
      };
      gateway.stdout?.on('data', read);
      gateway.stderr?.on('data', read);
      gateway.once('exit', (code) => {
        exitCode = code;
        failed(new Error(`the gateway exited with ${code}:\n${output}`));
      });
    });
    http = new Pool(url, { connections: 4 });
    // Warm up (JIT, pools, the database) before the baseline is taken.
    for (let index = 0; index < 30; index++) {
      const answer = await http.request({
        method: 'POST',
        path: '/v1beta/models/gemini-2.5-flash:generateContent',
        headers: { 'x-goog-api-key': tokens.client, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'warm up' }] }] }),
      });
      await answer.body.text();
    }
    rss.start = rssMb(gateway.pid as number);
    rss.peak = rss.start;
  });

  afterAll(async () => {
    if (rss.end === 0 && exitCode === undefined && gateway?.pid) rss.end = rssMb(gateway.pid);
    const total = [...tried.values()].reduce((sum, count) => sum + count, 0);
    const perFamily = [...tried].map(([family, count]) => `${family} ${count}`).join(', ');
    console.log(
      `fuzz: ${total} cases tried, ${failures.length} failures (seed ${seed}, FUZZ_SEED=${seed} to replay); ` +
        `gateway RSS ${rss.start.toFixed(0)} → ${rss.end.toFixed(0)} MB, peak ${rss.peak.toFixed(0)} MB; ` +
        `process ${exitCode === undefined ? 'alive' : `exited with ${exitCode}`}; by family: ${perFamily}`,
    );
    for (const failure of failures.slice(0, 10)) console.log('fuzz failure:', JSON.stringify(failure));
    await http?.close();
    if (gateway && exitCode === undefined) {
      const exited = new Promise((done) => gateway.once('exit', done));
      gateway.kill('SIGTERM');
      await exited;
    }
    await fake?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function send(hostile: HostileCase): Promise<{ status: number; body: unknown; text: string }> {
    if (hostile.raw) {
      const answer = await rawExchange(url, hostile.raw);
      const { status, body } = parseRawAnswer(answer);
      return { status, body, text: answer.toString('utf8').slice(0, 300) };
    }
    const answer = await http.request({
      method: hostile.method as 'GET',
      path: hostile.path,
      headers: hostile.headers,
      ...(hostile.body ? { body: hostile.body } : {}),
    });
    const text = await answer.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: answer.statusCode, body, text: text.slice(0, 300) };
  }

  it.each(families)(
    '%s: every case is a 4xx in the route’s shape',
    async (name, cases, runs) => {
      await fc.assert(
        fc.asyncProperty(cases, async (hostile) => {
          tried.set(name, (tried.get(name) ?? 0) + 1);
          const { status, body, text } = await send(hostile).catch((error: Error) => ({
            status: 0,
            body: undefined,
            text: `no answer: ${error.message}`,
          }));
          if (!inShape(hostile.shape, status, body)) {
            failures.push({
              group: name,
              family: hostile.family,
              request: `${hostile.method} ${hostile.path.slice(0, 200)} ${String(hostile.body ?? hostile.raw ?? '').slice(0, 200)}`,
              status,
              body: text,
            });
          }
          if ((tried.get(name) ?? 0) % 50 === 0) rss.peak = Math.max(rss.peak, rssMb(gateway.pid as number));
          return exitCode === undefined;
        }),
        { seed, numRuns: Math.max(1, Math.round(runs * scale)), endOnFailure: true },
      );
      expect(failures.filter((failure) => failure.group === name)).toEqual([]);
      expect(exitCode).toBeUndefined();
    },
    120_000,
  );

  it(`keeps the process alive with its RSS growing less than ${maxRssGrowthMb} MB`, () => {
    expect(exitCode).toBeUndefined();
    rss.end = rssMb(gateway.pid as number);
    rss.peak = Math.max(rss.peak, rss.end);
    expect(rss.end - rss.start).toBeLessThan(maxRssGrowthMb);
  });
});
