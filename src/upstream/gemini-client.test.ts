import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../core/cancellation.js';
import { createFakeUpstream, type FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import {
  createGeminiClient,
  describeStreamBreak,
  type GeminiClient,
  KeyWithdrawnError,
  type StreamSink,
  type UpstreamAnswer,
  UpstreamTimeoutError,
} from './gemini-client.js';

describe('createGeminiClient', () => {
  let fake: FakeUpstream;
  let client: GeminiClient;
  const request = {
    method: 'POST' as const,
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    query: '',
    body: Buffer.from('{"contents":[{"parts":[{"text":"hi"}]}]}'),
  };

  beforeAll(async () => {
    fake = await createFakeUpstream();
    client = createGeminiClient({
      base: { origin: fake.url, pathPrefix: '' },
      timeouts: { connectMs: 5000, firstByteMs: 5000, streamIdleMs: 5000, totalMs: 5000 },
      customHeaders: { 'x-team': 'a' },
    });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it('sends the key in a header only, with the custom headers', async () => {
    const answer = await client.send(request, 'k-1', false);
    expect(answer.statusCode).toBe(200);
    expect(fake.lastRequest()).toMatchObject({ key: 'k-1', keySource: 'header', headers: { 'x-team': 'a' } });
  });

  it('withdraws a call whose key stopped serving before it was sent', async () => {
    const before = fake.requests.length;
    await expect(client.send(request, 'k-1', false, new Cancellation(), () => false)).rejects.toBeInstanceOf(
      KeyWithdrawnError,
    );
    expect(fake.requests.length).toBe(before);
    expect((await client.send(request, 'k-1', false, new Cancellation(), () => true)).statusCode).toBe(200);
  });

  it('hands a stream over at its first chunk and the rest through a sink', async () => {
    const answer = await client.send(
      {
        ...request,
        path: request.path.replace('generateContent', 'streamGenerateContent'),
        query: 'alt=sse',
      },
      'k-1',
      true,
    );
    if (answer.kind !== 'stream') throw new Error('expected a stream');
    const chunks = [answer.first];
    await new Promise<void>((resolve, reject) =>
      answer.rest.pipe({ data: (chunk) => chunks.push(chunk), end: resolve, error: reject }),
    );
    expect(Buffer.concat(chunks).toString().split('\r\n\r\n').filter(Boolean).length).toBeGreaterThan(1);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a stream to its end; resolves with what the sink saw (an error included), never rejects. */
function drain(
  answer: UpstreamAnswer,
  onFirst?: (rest: { pause(): void; resume(): void }) => void,
): Promise<{ text: string; error?: Error }> {
  if (answer.kind !== 'stream') throw new Error('expected a stream');
  const chunks = [answer.first];
  return new Promise((resolve) => {
    const sink: StreamSink = {
      data: (chunk) => chunks.push(chunk),
      end: () => resolve({ text: Buffer.concat(chunks).toString() }),
      error: (error) => resolve({ text: Buffer.concat(chunks).toString(), error }),
    };
    answer.rest.pipe(sink);
    onFirst?.(answer.rest);
  });
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamTimeoutError> {
  const error = await promise.then(
    () => new Error('expected the call to time out'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UpstreamTimeoutError);
  return error as UpstreamTimeoutError;
}

// A server that misbehaves at each phase of an answer, chosen by path.
describe('timeouts by phase', () => {
  let server: Server;
  let client: GeminiClient;
  const limits = { connectMs: 400, firstByteMs: 400, streamIdleMs: 400, totalMs: 1500 };
  const call = (path: string) => ({ method: 'POST' as const, path, query: '', body: Buffer.from('{}') });

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      const chunkEvery = (ms: number, count: number) => {
        let sent = 0;
        const timer = setInterval(() => {
          if (response.destroyed) return clearInterval(timer);
          response.write(`data: ${sent}\r\n\r\n`);
          sent += 1;
          if (sent === count) {
            clearInterval(timer);
            response.end();
          }
        }, ms);
      };
      switch (request.url) {
        case '/silent': // accepts the request and never answers
          return;
        case '/head-only': // a head at once, then no body
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.flushHeaders();
          return;
        case '/first-then-silent':
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write('data: 0\r\n\r\n');
          return;
        case '/trickle': // never silent for long, never done
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          return chunkEvery(100, Number.POSITIVE_INFINITY);
        case '/paced': // ten chunks 60 ms apart
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          return chunkEvery(60, 10);
        case '/slow-whole': // a non-stream answer that takes 900 ms to generate
          setTimeout(() => response.end('{"candidates":[]}'), 900);
          return;
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = createGeminiClient({
      base: { origin: `http://127.0.0.1:${port}`, pathPrefix: '' },
      timeouts: limits,
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up on a stream without a first byte after FIRST_BYTE_TIMEOUT, head or no head', async () => {
    for (const path of ['/silent', '/head-only']) {
      const started = performance.now();
      const error = await rejection(client.send(call(path), 'k-1', true));
      const elapsed = performance.now() - started;
      expect(error.phase).toBe('first-byte');
      expect(error.message).toBe(
        'Google did not send a first byte within 0.4 s (FIRST_BYTE_TIMEOUT_SECONDS).',
      );
      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(1200);
    }
  });

  it('waits for a non-stream answer until TIME_OUT, since it arrives whole', async () => {
    const slow = await client.send(call('/slow-whole'), 'k-1', false);
    expect(slow).toMatchObject({ kind: 'complete', statusCode: 200 });
    const started = performance.now();
    const error = await rejection(client.send(call('/silent'), 'k-1', false));
    expect(error.phase).toBe('total');
    expect(error.message).toBe('Google did not finish its answer within 1.5 s (TIME_OUT).');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1490);
  });

  it('ends a stream silent for STREAM_IDLE_TIMEOUT after its first byte with a timeout', async () => {
    const started = performance.now();
    const { text, error } = await drain(await client.send(call('/first-then-silent'), 'k-1', true));
    expect(text).toBe('data: 0\r\n\r\n');
    expect(error).toMatchObject({ phase: 'stream-idle' });
    expect(performance.now() - started).toBeLessThan(1400);
    expect(describeStreamBreak(error)).toEqual({
      cause: 'timeout',
      status: 504,
      message:
        "Google's stream was silent for more than 0.4 s (STREAM_IDLE_TIMEOUT_SECONDS). The answer is incomplete.",
    });
  });

  it('bounds a stream that never falls silent by TIME_OUT, from send to last byte', async () => {
    const started = performance.now();
    const { text, error } = await drain(await client.send(call('/trickle'), 'k-1', true));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ phase: 'total' });
    expect(text.split('\r\n\r\n').length).toBeGreaterThan(5);
    expect(elapsed).toBeGreaterThanOrEqual(1490);
    expect(elapsed).toBeLessThan(2500);
  });

  it('does not count silence while the consumer holds the stream back', async () => {
    const { text, error } = await drain(await client.send(call('/paced'), 'k-1', true), (rest) => {
      rest.pause();
      setTimeout(() => rest.resume(), 700);
    });
    expect(error).toBeUndefined();
    expect(text.split('\r\n\r\n').filter(Boolean)).toHaveLength(10);
  });
});

/**
 * A listener whose process no longer accepts: its event loop is blocked, so once the kernel's accept
 * queue (backlog 1) is full, further connection attempts get no answer at all, as from a black hole.
 */
async function startBlackHole(): Promise<{ port: number; fillers: Socket[]; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const server = require('node:net').createServer();
       server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         require('node:fs').writeSync(1, server.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (data) => resolve(Number(String(data)))),
  );
  const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => {}));
  await sleep(100);
  return { port, fillers, child };
}

describe('connecting', () => {
  let hole: Awaited<ReturnType<typeof startBlackHole>>;
  beforeAll(async () => {
    hole = await startBlackHole();
  });
  afterAll(() => {
    for (const socket of hole.fillers) socket.destroy();
    hole.child.kill();
  });

  const request = { method: 'GET' as const, path: '/v1beta/models', query: '' };
  const base = () => ({ origin: `http://127.0.0.1:${hole.port}`, pathPrefix: '' });

  it('gives up on a connection not accepted within CONNECT_TIMEOUT', async () => {
    const client = createGeminiClient({
      base: base(),
      timeouts: { connectMs: 300, firstByteMs: 5000, streamIdleMs: 5000, totalMs: 5000 },
    });
    const started = performance.now();
    const error = await rejection(client.send(request, 'k-1', false));
    expect(error.phase).toBe('connect');
    expect(error.message).toBe('Could not connect to Google within 0.3 s (CONNECT_TIMEOUT_SECONDS).');
    expect(performance.now() - started).toBeLessThan(1500);
    await client.close();
  });

  it('answers a stream whose first byte is due while it still connects', async () => {
    const client = createGeminiClient({
      base: base(),
      timeouts: { connectMs: 2000, firstByteMs: 300, streamIdleMs: 5000, totalMs: 5000 },
    });
    const started = performance.now();
    const error = await rejection(client.send(request, 'k-1', true));
    expect(error.phase).toBe('first-byte');
    expect(performance.now() - started).toBeLessThan(1500);
    await client.close();
  });
});
