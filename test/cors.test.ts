import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

// Browser clients, as a browser speaks to the gateway: a preflight (OPTIONS, no credentials) before
// any request with an Authorization or x-goog-api-key header, then the request with an Origin.

const pageOrigin = 'https://chat.example.com';
const requestedHeaders = 'authorization,content-type,x-goog-api-key,x-goog-api-client,x-stainless-os';

function preflight(url: string, origin: string, method = 'POST', headers = requestedHeaders) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
}

const corsHeadersOf = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

const clientPaths = [
  '/v1beta/models/gemini-2.5-flash:generateContent',
  '/gemini/v1beta/models',
  '/gemini/v1/models/gemini-2.5-flash:generateContent',
  '/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
  '/v1/chat/completions',
  '/hf/v1/embeddings',
  '/openai/v1/chat/completions',
  '/images/some-image-id',
];

describe('CORS with the default CORS_ALLOWED_ORIGINS (any origin)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it.each(clientPaths)('answers a preflight to %s before authentication', async (path) => {
    const response = await preflight(`${stack.url}${path}`, pageOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe(requestedHeaders);
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(response.headers.get('vary')).toBeNull();
    expect(await response.text()).toBe('');
  });

  it('lets a page read a native answer, and which headers it may read', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      {
        origin: pageOrigin,
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toBe('retry-after');
  });

  it('adds the headers to streams, whose writers write their own head', async () => {
    const native = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      generateBody('stream me'),
      { origin: pageOrigin, 'x-goog-api-key': clientToken },
    );
    expect(native.status).toBe(200);
    expect(native.headers.get('content-type')).toContain('text/event-stream');
    expect(native.headers.get('access-control-allow-origin')).toBe('*');
    await native.text();
    const chat = await post(
      `${stack.url}/v1/chat/completions`,
      JSON.stringify({
        model: 'gemini-2.5-flash',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      { origin: pageOrigin, authorization: `Bearer ${clientToken}` },
    );
    expect(chat.status).toBe(200);
    expect(chat.headers.get('access-control-allow-origin')).toBe('*');
    expect(await chat.text()).toContain('[DONE]');
  });

  it('lets a page read the errors too (a wrong token, an unknown route)', async () => {
    const refused = await post(`${stack.url}/v1/chat/completions`, '{}', {
      origin: pageOrigin,
      authorization: 'Bearer not-a-token',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    const unknown = await fetch(`${stack.url}/v1beta/nothing-here`, { headers: { origin: pageOrigin } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('does not echo requested headers that are not a list of header names', async () => {
    const response = await preflight(
      `${stack.url}/v1/chat/completions`,
      pageOrigin,
      'POST',
      'content-type, a b',
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('leaves the operator API alone: no allow headers on a preflight or an answer', async () => {
    // The operator API refuses what carries no credential, a preflight included; /health has none.
    for (const [path, status] of [
      ['/api/keys', 401],
      ['/health', 404],
    ] as const) {
      const answer = await preflight(`${stack.url}${path}`, pageOrigin, 'GET', 'authorization');
      expect(answer.status, path).toBe(status);
      expect(corsHeadersOf(answer), path).toEqual([]);
    }
    const keys = await fetch(`${stack.url}/api/keys`, {
      headers: { origin: pageOrigin, authorization: `Bearer ${stack.adminToken}` },
    });
    expect(keys.status).toBe(200);
    expect(corsHeadersOf(keys)).toEqual([]);
    const health = await fetch(`${stack.url}/health`, { headers: { origin: pageOrigin } });
    expect(health.status).toBe(200);
    expect(corsHeadersOf(health)).toEqual([]);
  });

  it("leaves gemini-balance's key routes alone, though they live under client prefixes", async () => {
    const keyPaths = [
      '/gemini/v1beta/verify-key/AIzaFAKEnotAKeyAtAll',
      '/gemini/v1beta/verify-selected-keys',
      '/gemini/v1beta/reset-all-fail-counts?key_type=invalid',
      '/gemini/v1beta/reset-selected-fail-counts',
      '/gemini/v1beta/reset-fail-count/AIzaFAKEnotAKeyAtAll',
      '/v1/keys/list',
      '/hf/v1/keys/list',
    ];
    for (const path of keyPaths) {
      const answer = await preflight(`${stack.url}${path}`, pageOrigin, 'POST', 'authorization');
      expect(answer.status, path).not.toBe(204);
      expect(corsHeadersOf(answer), path).toEqual([]);
    }
    const list = await fetch(`${stack.url}/v1/keys/list`, {
      headers: { origin: pageOrigin, authorization: 'Bearer not-the-admin-token' },
    });
    expect(list.status).toBe(401);
    expect(corsHeadersOf(list)).toEqual([]);
    const reset = await fetch(`${stack.url}/gemini/v1beta/reset-all-fail-counts`, {
      method: 'POST',
      headers: { origin: pageOrigin, authorization: `Bearer ${stack.adminToken}` },
    });
    expect(reset.status).toBe(200);
    expect(corsHeadersOf(reset)).toEqual([]);
  });

  it('adds nothing when the request names no origin (not a browser, or same origin)', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      {
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual([]);
  });
});

describe('CORS with a list of origins', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ CORS_ALLOWED_ORIGINS: `${pageOrigin}, http://localhost:3000` });
  });
  afterAll(() => stack.close());

  it('answers a listed origin with its own name and Vary: Origin', async () => {
    const answer = await preflight(`${stack.url}/v1/chat/completions`, 'http://localhost:3000');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(answer.headers.get('vary')).toBe('Origin');
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      {
        origin: pageOrigin,
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(pageOrigin);
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('refuses a preflight from any other origin, and gives its answers no allow headers', async () => {
    const answer = await preflight(`${stack.url}/v1/chat/completions`, 'https://evil.example');
    expect(answer.status).toBe(403);
    expect(corsHeadersOf(answer)).toEqual([]);
    expect(answer.headers.get('vary')).toBe('Origin');
    // A request the browser sends without a preflight (or a non-browser) is still served; the
    // browser keeps the answer from the page.
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      {
        origin: 'https://evil.example',
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual([]);
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('says Vary: Origin on answers to requests without an origin too, so caches keep them apart', async () => {
    const response = await fetch(`${stack.url}/v1/models`, {
      headers: { authorization: `Bearer ${clientToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(corsHeadersOf(response)).toEqual([]);
  });

  it('leaves the operator API alone for listed origins too', async () => {
    const answer = await preflight(`${stack.url}/api/keys`, pageOrigin, 'DELETE', 'authorization');
    expect(answer.status).toBe(401);
    expect(corsHeadersOf(answer)).toEqual([]);
    expect(answer.headers.get('vary')).toBeNull();
  });
});
