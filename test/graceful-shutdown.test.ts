import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// SIGTERM and SIGINT sent to the gateway as an operator runs it, a process of its own, with streams
// open through it to an upstream the test paces: the drain, its deadline and what clients see.

const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const main = join(root, 'src/main.ts');
const token = 'sk-shutdown-test-client-token';
const streamPath = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';

const firstChunk = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }],
  modelVersion: 'gemini-2.5-flash',
};
const lastChunk = {
  candidates: [{ content: { role: 'model', parts: [{ text: ' world' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 2, totalTokenCount: 4 },
  modelVersion: 'gemini-2.5-flash',
};

/**
 * A Gemini upstream whose streams send their first chunk at once and the rest only when the test
 * releases them: a stream open across the signal, or one stalled for good.
 */
async function startPacedUpstream() {
  const held: { response: ServerResponse; sse: boolean }[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      const sse = request.url?.includes('alt=sse') ?? false;
      if (!request.url?.includes(':streamGenerateContent')) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      });
      response.write(sse ? `data: ${JSON.stringify(firstChunk)}\r\n\r\n` : `[${JSON.stringify(firstChunk)}`);
      held.push({ response, sse });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release() {
      for (const { response, sse } of held.splice(0)) {
        if (response.destroyed) continue;
        response.end(
          sse ? `data: ${JSON.stringify(lastChunk)}\r\n\r\n` : `,\r\n${JSON.stringify(lastChunk)}]`,
        );
      }
    },
    close() {
      for (const { response } of held.splice(0)) response.destroy();
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}

interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly databasePath: string;
  output(): string;
  readonly exited: Promise<{ code: number | null; atMs: number }>;
}

async function startGatewayProcess(
  directory: string,
  upstreamUrl: string,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', tsxLoader, main], {
    cwd: directory,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      API_KEYS: '["AIzaShutdownTestKeyNumber0001"]',
      ALLOWED_TOKENS: token,
      AUTH_TOKEN: 'shutdown-test-admin-token',
      BASE_URL: upstreamUrl,
      CHECK_INTERVAL_HOURS: '0',
      ...env,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; atMs: number }>((done) =>
    child.once('exit', (code) => done({ code, atMs: performance.now() })),
  );
  // The URL once it is printed; until then the output, which a failure shows. A start compiles
  // the sources first (tsx), which takes tens of seconds on a loaded machine.
  await expect
    .poll(() => /gemgate listening on (\S+)/.exec(output)?.[1] ?? output, { timeout: 45_000, interval: 50 })
    .toMatch(/^http/);
  return {
    child,
    url: /gemgate listening on (\S+)/.exec(output)?.[1] ?? '',
    databasePath: join(directory, 'data', 'gemgate.db'),
    output: () => output,
    exited,
  };
}

interface OpenStream {
  /** What has arrived so far. */
  text(): string;
  /** Resolves when the body ends: `error` is set when it ended abnormally. */
  readonly ended: Promise<{ error?: unknown }>;
}

async function openStream(url: string, path: string, body: object): Promise<OpenStream> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ended = (async () => {
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        text += decoder.decode(read.value, { stream: true });
      }
      return {};
    } catch (error) {
      return { error };
    }
  })();
  return { text: () => text, ended };
}

const nativeBody = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const chatBody = { model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] };

function requestRows(databasePath: string) {
  const database = new SqliteDatabase(databasePath, { readonly: true });
  try {
    return database.prepare('SELECT route, status, success, stream FROM request_log ORDER BY id').all() as {
      route: string;
      status: number;
      success: number;
      stream: number;
    }[];
  } finally {
    database.close();
  }
}

describe('the gateway process on SIGTERM and SIGINT', () => {
  let upstream: Awaited<ReturnType<typeof startPacedUpstream>>;
  let directory: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    upstream = await startPacedUpstream();
  });
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });
  afterAll(async () => {
    await upstream.close();
  });

  const start = async (env: Record<string, string>) => {
    directory = mkdtempSync(join(tmpdir(), 'gemgate-shutdown-'));
    const gateway = await startGatewayProcess(directory, upstream.url, env);
    running.push(gateway.child);
    return gateway;
  };

  it('stops accepting, lets an open stream finish, writes its log row and exits 0', async () => {
    const gateway = await start({ SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const stream = await openStream(gateway.url, `${streamPath}?alt=sse`, nativeBody);
    await expect.poll(stream.text).toContain('Hello');

    const signalledMs = performance.now();
    gateway.child.kill('SIGTERM');
    await expect.poll(gateway.output).toContain('shutting down');
    expect(gateway.output()).toContain('"openRequests":1');
    // No new connection once the drain has begun.
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();

    upstream.release();
    expect(await stream.ended).toEqual({});
    expect(stream.text()).toBe(
      `data: ${JSON.stringify(firstChunk)}\r\n\r\ndata: ${JSON.stringify(lastChunk)}\r\n\r\n`,
    );
    const exit = await gateway.exited;
    expect(exit.code).toBe(0);
    expect(exit.atMs - signalledMs).toBeLessThan(10_000);
    expect(gateway.output()).toContain('every open request finished');
    expect(requestRows(gateway.databasePath)).toEqual([
      { route: 'gemini streamGenerateContent', status: 200, success: 1, stream: 1 },
    ]);
  }, 90_000);

  it('cuts streams still open at the deadline with their protocol’s error, then exits 0', async () => {
    const gateway = await start({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const native = await openStream(gateway.url, `${streamPath}?alt=sse`, nativeBody);
    const chat = await openStream(gateway.url, '/v1/chat/completions', chatBody);
    const array = await openStream(gateway.url, streamPath, nativeBody);
    await expect.poll(native.text).toContain('Hello');
    await expect.poll(chat.text).toContain('Hello');
    await expect.poll(array.text).toContain('Hello');

    const signalledMs = performance.now();
    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    expect(exit.code).toBe(0);
    expect(exit.atMs - signalledMs).toBeGreaterThan(900);
    expect(exit.atMs - signalledMs).toBeLessThan(3000);

    const cut = 'The gateway is shutting down: this answer was cut before its end. Send the request again.';
    // Each ends with its error, then abnormally: no client can take the cut answer for a whole one.
    const nativeEnd = await native.ended;
    expect(nativeEnd.error).toBeDefined();
    expect(native.text()).toBe(
      `data: ${JSON.stringify(firstChunk)}\r\n\r\n` +
        `data: ${JSON.stringify({ error: { code: 503, message: cut, status: 'UNAVAILABLE' } })}\r\n\r\n`,
    );
    const chatEnd = await chat.ended;
    expect(chatEnd.error).toBeDefined();
    const chatEvents = chat.text().trim().split('\n\n');
    expect(JSON.parse(chatEvents.at(-1)?.replace(/^data: /, '') ?? '')).toEqual({
      error: { message: cut, type: 'server_error', param: null, code: null },
    });
    expect(chat.text()).not.toContain('[DONE]');
    const arrayEnd = await array.ended;
    expect(arrayEnd.error).toBeDefined();
    expect(array.text()).toBe(`[${JSON.stringify(firstChunk)}`);

    expect(gateway.output()).toContain('3 requests still open at the deadline: 3 streams cut in-band');
    const rows = requestRows(gateway.databasePath);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.success === 0 && row.stream === 1)).toBe(true);
  }, 90_000);

  it('exits at once, and not with 0, on a second signal during the drain', async () => {
    const gateway = await start({ SHUTDOWN_TIMEOUT_SECONDS: '30' });
    const stream = await openStream(gateway.url, `${streamPath}?alt=sse`, nativeBody);
    await expect.poll(stream.text).toContain('Hello');
    gateway.child.kill('SIGTERM');
    await expect.poll(gateway.output).toContain('shutting down');
    const signalledMs = performance.now();
    gateway.child.kill('SIGINT');
    const exit = await gateway.exited;
    expect(exit.code).toBe(1);
    expect(exit.atMs - signalledMs).toBeLessThan(2000);
    expect(gateway.output()).toContain('SIGINT during the shutdown');
  }, 90_000);
});
