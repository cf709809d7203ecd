import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cancellation } from '../src/core/cancellation.js';
import { systemClock } from '../src/core/clock.js';
import { maskKey } from '../src/core/key-identity.js';
import type { ErrorLogEntry } from '../src/core/log-sink.js';
import { noMetrics } from '../src/core/metric-sink.js';
import { createKeyPool, type KeyPool } from '../src/keypool/key-pool.js';
import { type RelayContext, type RelayResult, relayCall } from '../src/relay/relay-call.js';
import { createGeminiClient, type GeminiClient, type StreamSink } from '../src/upstream/gemini-client.js';
import { forwardedResponseHeaders } from '../src/upstream/response-headers.js';

// The relay and the real client against an upstream that answers with more headers than Google's
// Files API needs: what a hostile relay at BASE_URL might add, the key it was sent echoed back.

const refusedKey = 'AIzaSyRateLimitedKeyForAddressing012345';
const servingKey = 'AIzaSyServingKeyForAddressingTests01234';

interface Seen {
  readonly url: string;
  readonly key: string | undefined;
  readonly authorization: string | undefined;
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const key = request.headers['x-goog-api-key'];
  if (key === refusedKey) {
    response.writeHead(429, {
      'content-type': 'application/json; charset=UTF-8',
      'x-goog-upload-status': 'nope',
    });
    response.end(
      JSON.stringify({
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
        },
      }),
    );
    return;
  }
  const stream = (request.url ?? '').includes('streamGenerateContent');
  response.writeHead(200, {
    'content-type': stream ? 'text/event-stream' : 'application/json; charset=UTF-8',
    'x-goog-upload-url': `https://upload.example/upload/v1beta/files?upload_id=abc&echo=${String(key)}`,
    'x-goog-upload-status': 'active',
    'x-goog-upload-chunk-granularity': '8388608',
    'set-cookie': ['NID=1; HttpOnly', 'session=2'],
    'x-goog-api-key': String(key),
    'x-echoed-authorization': String(request.headers.authorization),
    'alt-svc': 'h3=":443"',
  });
  response.end(stream ? 'data: {"candidates":[]}\r\n\r\n' : '{"candidates":[]}');
}

describe('upstream addressing after key choice', () => {
  let server: Server;
  let client: GeminiClient;
  let pool: KeyPool;
  let seen: Seen[] = [];
  const errors: ErrorLogEntry[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.once('end', () => {
        seen.push({
          url: request.url ?? '',
          key: request.headers['x-goog-api-key'] as string | undefined,
          authorization: request.headers.authorization,
        });
        answer(request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = createGeminiClient({
      base: { origin: `http://127.0.0.1:${port}`, pathPrefix: '/relay' },
      timeouts: { connectMs: 2000, firstByteMs: 2000, streamIdleMs: 2000, totalMs: 5000 },
      customHeaders: { 'x-team': 'addressing' },
    });
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    errors.length = 0;
    pool = createKeyPool([refusedKey, servingKey], {
      clock: systemClock,
      softFailureLimit: 3,
      random: () => 0,
    });
  });

  const context = (): RelayContext => ({
    pool,
    client,
    confirmRefusal: async () => 'refused',
    maxAttempts: 3,
    log: { request: () => {}, error: (entry) => errors.push(entry) },
    metrics: noMetrics,
    clock: systemClock,
    random: () => 0,
    logRequestBodies: false,
    troubleBackoffMs: 1,
    maxWaitMs: 0,
  });

  const generate = (stream: boolean) =>
    relayCall(context(), {
      route: 'gemini generateContent',
      model: 'gemini-2.5-flash',
      request: {
        method: 'POST',
        path: `/v1beta/models/gemini-2.5-flash:${stream ? 'streamGenerateContent' : 'generateContent'}`,
        query: stream ? 'alt=sse' : '',
        body: Buffer.from('{"contents":[{"parts":[{"text":"hi"}]}]}'),
      },
      stream,
      signal: new Cancellation(),
    });

  const expectOnlyWhitelisted = (result: Extract<RelayResult, { kind: 'complete' | 'stream' }>) => {
    const names = Object.keys(result.headers);
    expect(names.every((name) => (forwardedResponseHeaders as readonly string[]).includes(name))).toBe(true);
    expect(result.headers).not.toHaveProperty('set-cookie');
    expect(result.headers).not.toHaveProperty('x-goog-api-key');
    expect(result.headers).not.toHaveProperty('x-echoed-authorization');
    expect(result.headers).not.toHaveProperty('alt-svc');
    const text = JSON.stringify(result.headers);
    expect(text).not.toContain(servingKey);
    expect(text).not.toContain(refusedKey);
  };

  it('addresses each attempt for the key chosen for it, and hands back the whitelisted headers', async () => {
    const result = await generate(false);
    if (result.kind !== 'complete') throw new Error(`expected a complete answer, got ${result.kind}`);
    expect(result.key.secret).toBe(servingKey);
    expect(result.attempts).toBe(2);
    // Two attempts, each with its own key in its header; the URL the same and never with a key.
    expect(seen).toEqual([
      {
        url: '/relay/v1beta/models/gemini-2.5-flash:generateContent',
        key: refusedKey,
        authorization: undefined,
      },
      {
        url: '/relay/v1beta/models/gemini-2.5-flash:generateContent',
        key: servingKey,
        authorization: undefined,
      },
    ]);
    expect(result.contentType).toBe('application/json; charset=UTF-8');
    expect(result.headers).toEqual({
      'content-type': 'application/json; charset=UTF-8',
      'x-goog-upload-url': `https://upload.example/upload/v1beta/files?upload_id=abc&echo=${maskKey(servingKey)}`,
      'x-goog-upload-status': 'active',
      'x-goog-upload-chunk-granularity': '8388608',
    });
    expectOnlyWhitelisted(result);
    expect(errors.map((entry) => entry.status)).toEqual([429]);
  });

  it('does the same for a stream, at its first chunk', async () => {
    const result = await generate(true);
    if (result.kind !== 'stream') throw new Error(`expected a stream, got ${result.kind}`);
    expect(seen.map((call) => call.url)).toEqual([
      '/relay/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      '/relay/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    ]);
    expect(result.contentType).toBe('text/event-stream');
    expect(result.headers['x-goog-upload-status']).toBe('active');
    expectOnlyWhitelisted(result);
    await new Promise<void>((resolve, reject) => {
      const sink: StreamSink = { data: () => {}, end: resolve, error: reject };
      result.rest.pipe(sink);
    });
  });

  it('sends the key as a Bearer token for the OpenAI-compatible passthrough', async () => {
    pool = createKeyPool([servingKey], { clock: systemClock, softFailureLimit: 3 });
    const result = await relayCall(context(), {
      route: 'openai passthrough',
      model: null,
      request: { method: 'GET', path: '/v1beta/openai/models', query: '', bearer: true },
      stream: false,
      signal: new Cancellation(),
    });
    expect(result.kind).toBe('complete');
    expect(seen).toEqual([
      { url: '/relay/v1beta/openai/models', key: undefined, authorization: `Bearer ${servingKey}` },
    ]);
    if (result.kind === 'complete') expectOnlyWhitelisted(result);
  });
});
