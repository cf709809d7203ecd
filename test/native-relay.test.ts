import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

// Raw HTTP against the native routes: what curl users and hand-written clients send.
describe('native Gemini relay', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: 'ok-only-key' });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());

  it('accepts the token as ?key= and never forwards it; the upstream key travels only in a header', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
      generateBody('hello'),
    );
    expect(response.status).toBe(200);
    const upstream = stack.fake.lastRequest();
    expect(upstream?.keySource).toBe('header');
    expect(upstream?.key).toBe('ok-only-key');
    expect(upstream?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream?.url).not.toContain(clientToken);
  });

  it('accepts Authorization: Bearer', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      {
        authorization: `Bearer ${clientToken}`,
      },
    );
    expect(response.status).toBe(200);
  });

  it.each([
    ['/gemini/v1beta', '/v1beta'],
    ['/v1', '/v1'],
    ['/gemini/v1', '/v1'],
  ])('serves %s, calling upstream %s', async (prefix, upstreamPrefix) => {
    const response = await post(
      `${stack.url}${prefix}/models/gemini-2.5-flash:generateContent`,
      generateBody('via prefix'),
      {
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(body.candidates[0]?.content.parts[0]?.text).toBe(fakeAnswerText('via prefix'));
    expect(stack.fake.lastRequest()?.url).toBe(`${upstreamPrefix}/models/gemini-2.5-flash:generateContent`);
  });

  it('streams SSE byte for byte, CRLF framing kept', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      generateBody('stream me'),
      { 'x-goog-api-key': clientToken },
    );
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    const events = text.split('\r\n\r\n').filter(Boolean);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((event) => event.startsWith('data: {'))).toBe(true);
    const joined = events
      .map((event) => JSON.parse(event.slice(6)).candidates[0].content.parts[0].text)
      .join('');
    expect(joined).toBe(fakeAnswerText('stream me'));
    expect(stack.fake.lastRequest()?.url).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
  });

  it('streams the JSON-array framing when no alt is given', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`,
      generateBody('array please'),
      { 'x-goog-api-key': clientToken },
    );
    expect(response.headers.get('content-type')).toContain('application/json');
    const chunks = (await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((chunk) => chunk.candidates[0]?.content.parts[0]?.text).join('')).toBe(
      fakeAnswerText('array please'),
    );
  });

  it('forwards the body unchanged, fields the gateway does not know included', async () => {
    const body = JSON.stringify({
      contents: [{ role: 'user', parts: [{ text: 'keep everything' }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'object',
          properties: { a: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/b' }] } },
        },
        aFieldFromNextMonth: { nested: [1, 2, 3] },
      },
      labels: { team: 'search' },
    });
    const response = await post(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`, body, {
      'x-goog-api-key': clientToken,
    });
    expect(response.status).toBe(200);
    expect(stack.fake.lastRequest()?.body).toBe(body);
  });

  it('passes Google’s 400 for an unknown top-level field through unchanged, without retrying', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('x', { notAField: true }),
      { 'x-goog-api-key': clientToken },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; details: unknown[] } };
    expect(body.error.message).toBe(
      'Invalid JSON payload received. Unknown name "notAField": Cannot find field.',
    );
    expect(body.error.details).toHaveLength(1);
    expect(stack.fake.callsFor('ok-only-key')).toBe(1);
  });

  it('passes a 404 model through with Google’s body', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-9-ultra:generateContent`,
      generateBody('x'),
      {
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        code: 404,
        message:
          'models/gemini-9-ultra is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
        status: 'NOT_FOUND',
      },
    });
  });

  it('refuses a missing token with 401 and a wrong one with 403, in Gemini’s error shape', async () => {
    const missing = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('x'),
    );
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
    const wrong = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent?key=nope`,
      generateBody('x'),
    );
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
    const listing = await fetch(`${stack.url}/v1beta/models`, { headers: { 'x-goog-api-key': 'nope' } });
    expect(listing.status).toBe(403);
    expect(stack.fake.requests).toHaveLength(0);
  });

  it('answers a body that is not JSON with 400 and spends no upstream call', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      '{"contents": [',
      {
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    expect(stack.fake.requests).toHaveLength(0);
  });

  it('relays countTokens, embedContent and batchEmbedContents', async () => {
    const headers = { 'x-goog-api-key': clientToken };
    const count = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:countTokens`,
      generateBody('12345678'),
      headers,
    );
    expect(await count.json()).toMatchObject({ totalTokens: 2 });
    const embed = await post(
      `${stack.url}/v1beta/models/text-embedding-004:embedContent`,
      JSON.stringify({ content: { parts: [{ text: 'a' }] } }),
      headers,
    );
    expect(((await embed.json()) as { embedding: { values: number[] } }).embedding.values).toHaveLength(768);
    const batch = await post(
      `${stack.url}/v1beta/models/text-embedding-004:batchEmbedContents`,
      JSON.stringify({
        requests: [
          { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } },
          {
            model: 'models/text-embedding-004',
            content: { parts: [{ text: 'b' }] },
            outputDimensionality: 4,
          },
        ],
      }),
      headers,
    );
    const embeddings = ((await batch.json()) as { embeddings: { values: number[] }[] }).embeddings;
    expect(embeddings.map((embedding) => embedding.values.length)).toEqual([768, 4]);
  });

  it('answers unknown routes with a Gemini-shaped 404 and reports health without auth', async () => {
    const unknown = await fetch(`${stack.url}/v1beta/nothing-here`, {
      headers: { 'x-goog-api-key': clientToken },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
    // Key counts for the admin token only: how many keys are left tells an attacker how far along it is.
    expect(await (await fetch(`${stack.url}/health`)).json()).toEqual({ status: 'ok' });
    const health = await fetch(`${stack.url}/health`, {
      headers: { authorization: 'Bearer admin-token-for-tests' },
    });
    expect(await health.json()).toEqual({ status: 'ok', keys: { configured: 1, usable: 1 } });
  });
});
