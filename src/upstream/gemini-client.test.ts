import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../core/cancellation.js';
import { maskKey } from '../core/key-identity.js';
import { createFakeUpstream, type FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import {
  createGeminiClient,
  describeStreamBreak,
  type GeminiClient,
  KeyWithdrawnError,
  type StreamSink,
  type UpstreamAnswer,
  type UpstreamKey,
  UpstreamTimeoutError,
} from './gemini-client.js';

const key: UpstreamKey = { id: 'key-1', secret: 'k-1' };

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
    const answer = await client.send(request, key, false);
    expect(answer.statusCode).toBe(200);
    expect(fake.lastRequest()).toMatchObject({ key: 'k-1', keySource: 'header', headers: { 'x-team': 'a' } });
  });

  it('withdraws a call whose key stopped serving before it was sent', async () => {
    const before = fake.requests.length;
    await expect(client.send(request, key, false, new Cancellation(), () => false)).rejects.toBeInstanceOf(
      KeyWithdrawnError,
    );
    expect(fake.requests.length).toBe(before);
    expect((await client.send(request, key, false, new Cancellation(), () => true)).statusCode).toBe(200);
  });

  it('hands a stream over at its first chunk and the rest through a sink', async () => {
    const answer = await client.send(
      {
        ...request,
        path: request.path.replace('generateContent', 'streamGenerateContent'),
        query: 'alt=sse',
      },
      key,
      true,
    );
    if (answer.kind !== 'stream') throw new Error('expected a stream');
    const chunks = [answer.first];
    await new Promise<void>((resolve, reject) =>
      answer.rest.pipe({ data: (chunk) => chunks.push(chunk), end: resolve, error: reject }),
    );
    expect(Buffer.concat(chunks).toString().split('\r\n\r\n').filter(Boolean).length).toBeGreaterThan(1);
  });

  it('sends the key as a Bearer token on the OpenAI-compatible paths, and the same for an explicit kind', async () => {
    const models = { method: 'GET' as const, path: '/v1beta/openai/models', query: '', bearer: true };
    expect((await client.send(models, { ...key, kind: 'ai-studio' }, false)).statusCode).toBe(200);
    expect(fake.lastRequest()).toMatchObject({
      key: 'k-1',
      keySource: 'bearer',
      url: '/v1beta/openai/models',
    });
  });
});

// An upstream that answers with every header a hostile relay might add to Google's.
describe('answer headers', () => {
  let server: Server;
  let client: GeminiClient;
  let connections = 0;
  const secret = 'AIzaSyHostileEchoKey0123456789abcdefghi';
  const hostileKey: UpstreamKey = { id: 'key-h', secret };

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      response.setHeader(
        'content-type',
        request.url === '/stream' ? 'text/event-stream' : 'application/json',
      );
      if (request.url !== '/plain') {
        response.setHeader('x-goog-upload-url', `https://upload.example/files?upload_id=u1&key=${secret}`);
        response.setHeader('x-goog-upload-status', 'active');
        response.setHeader('x-goog-upload-chunk-granularity', '8388608');
        response.setHeader('x-goog-upload-control-url', 'https://upload.example/control');
        response.setHeader('x-goog-upload-size-received', '0');
      }
      response.setHeader('set-cookie', ['session=1', 'other=2']);
      response.setHeader('x-goog-api-key', String(request.headers['x-goog-api-key']));
      response.setHeader('x-upstream-secret', 'internal');
      response.end(request.url === '/stream' ? 'data: {}\r\n\r\n' : '{}');
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = createGeminiClient({
      base: { origin: `http://127.0.0.1:${port}`, pathPrefix: '' },
      timeouts: { connectMs: 5000, firstByteMs: 5000, streamIdleMs: 5000, totalMs: 5000 },
    });
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (path: string) => ({ method: 'POST' as const, path, query: '', body: Buffer.from('{}') });

  it('passes back the whitelisted headers only, the key scrubbed from them', async () => {
    const answer = await client.send(call('/upload'), hostileKey, false);
    expect(answer.headers).toEqual({
      'content-type': 'application/json',
      'x-goog-upload-url': `https://upload.example/files?upload_id=u1&key=${maskKey(secret)}`,
      'x-goog-upload-status': 'active',
      'x-goog-upload-chunk-granularity': '8388608',
      'x-goog-upload-control-url': 'https://upload.example/control',
      'x-goog-upload-size-received': '0',
    });
    expect(JSON.stringify(answer.headers)).not.toContain(secret);
  });

  it('does the same for a stream, and for an answer with a content type alone', async () => {
    const stream = await client.send(call('/stream'), hostileKey, true);
    expect(stream.kind).toBe('stream');
    expect(Object.keys(stream.headers)).toEqual([
      'content-type',
      'x-goog-upload-url',
      'x-goog-upload-status',
      'x-goog-upload-chunk-granularity',
      'x-goog-upload-control-url',
      'x-goog-upload-size-received',
    ]);
    await drain(stream);
    expect((await client.send(call('/plain'), hostileKey, false)).headers).toEqual({
      'content-type': 'application/json',
    });
  });

  it('reuses its connection from call to call', async () => {
    const before = connections;
    for (let index = 0; index < 3; index += 1) await client.send(call('/plain'), hostileKey, false);
    expect(connections - before).toBeLessThanOrEqual(1);
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
      const error = await rejection(client.send(call(path), key, true));
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
    const slow = await client.send(call('/slow-whole'), key, false);
    expect(slow).toMatchObject({ kind: 'complete', statusCode: 200 });
    const started = performance.now();
    const error = await rejection(client.send(call('/silent'), key, false));
    expect(error.phase).toBe('total');
    expect(error.message).toBe('Google did not finish its answer within 1.5 s (TIME_OUT).');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1490);
  });

  it('ends a stream silent for STREAM_IDLE_TIMEOUT after its first byte with a timeout', async () => {
    const started = performance.now();
    const { text, error } = await drain(await client.send(call('/first-then-silent'), key, true));
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
    const { text, error } = await drain(await client.send(call('/trickle'), key, true));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ phase: 'total' });
    expect(text.split('\r\n\r\n').length).toBeGreaterThan(5);
    expect(elapsed).toBeGreaterThanOrEqual(1490);
    expect(elapsed).toBeLessThan(2500);
  });

  it('does not count silence while the consumer holds the stream back', async () => {
    const { text, error } = await drain(await client.send(call('/paced'), key, true), (rest) => {
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
    const error = await rejection(client.send(request, key, false));
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
    const error = await rejection(client.send(request, key, true));
    expect(error.phase).toBe('first-byte');
    expect(performance.now() - started).toBeLessThan(1500);
    await client.close();
  });
});
