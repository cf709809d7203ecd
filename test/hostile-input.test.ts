import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRawAnswer, rawExchange } from './helpers/raw-http.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

// Hostile and careless input through the real server: every refusal is a 4xx in the shape of the
// API called, naming what was wrong, and costs no upstream call.

const adminToken = 'admin-token-for-tests';
const bearer = { authorization: `Bearer ${clientToken}` };
const messages = [{ role: 'user', content: 'hi' }];
const chat = (extra: Record<string, unknown>) => ({ model: 'gemini-2.5-flash', messages, ...extra });
const respond = (extra: Record<string, unknown>) => ({ model: 'gemini-2.5-flash', input: 'hi', ...extra });
const deeplyNested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** OpenAI's error shape: message, type, param and code (a string or null), nothing else. */
const openAIError = (param: string | null) => ({
  error: {
    message: expect.any(String),
    type: 'invalid_request_error',
    param,
    code: expect.toSatisfy((code: unknown) => code === null || typeof code === 'string'),
  },
});
const geminiError = (code: number) => ({
  error: { code, message: expect.any(String), status: expect.any(String) },
});

describe('hostile input', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A SAFETY_SETTINGS default makes the native relay parse and rewrite generation bodies, the
    // path where nesting and invalid JSON could hurt.
    stack = await startStack({
      SAFETY_SETTINGS: '[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]',
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());

  it.each([
    ['/v1/chat/completions', chat({ tools: 'x' }), 'tools'],
    ['/v1/chat/completions', chat({ messages: 'x' }), 'messages'],
    ['/v1/chat/completions', chat({ messages: [1] }), 'messages[0]'],
    ['/v1/chat/completions', chat({ messages: [{ role: 'user', content: 5 }] }), 'messages[0].content'],
    [
      '/v1/chat/completions',
      chat({ messages: [{ role: 'user', content: [{ type: 'text', text: {} }] }] }),
      'messages[0].content[0].text',
    ],
    [
      '/hf/v1/chat/completions',
      chat({ messages: [...messages, { role: 'assistant', tool_calls: 'x' }] }),
      'messages[1].tool_calls',
    ],
    [
      '/v1/chat/completions',
      chat({
        messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: 'x', filename: 5 } }] }],
      }),
      'messages[0].content[0].file.filename',
    ],
    ['/v1/chat/completions', chat({ model: 5 }), 'model'],
    ['/hf/v1/chat/completions', chat({ n: 'two' }), 'n'],
    ['/v1/chat/completions', chat({ reasoning_effort: 'constructor' }), 'reasoning_effort'],
    ['/v1/chat/completions', chat({ stop: [1] }), 'stop[0]'],
    ['/v1/chat/completions', chat({ model: 'm'.repeat(300) }), 'model'],
    ['/v1/embeddings', { model: 'text-embedding-004', input: {} }, 'input'],
    ['/hf/v1/embeddings', { model: 'text-embedding-004', input: 'x', encoding_format: 5 }, 'encoding_format'],
    ['/v1/images/generations', { prompt: 5 }, 'prompt'],
    ['/v1/images/generations', { prompt: 'a cat', model: 5 }, 'model'],
    ['/v1/audio/speech', { input: 'hello', voice: 5 }, 'voice'],
    ['/hf/v1/audio/speech', { input: 'hello', model: 5 }, 'model'],
    ['/openai/v1/chat/completions', chat({ model: 'm'.repeat(257) }), 'model'],
    ['/v1/responses', respond({ input: 5 }), 'input'],
    ['/v1/responses', respond({ input: [5] }), 'input[0]'],
    [
      '/v1/responses',
      respond({ input: [{ role: 'user', content: [{ type: 'input_text', text: 5 }] }] }),
      'input[0].content[0].text',
    ],
    [
      '/hf/v1/responses',
      respond({ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }] }),
      'input[0].arguments',
    ],
    ['/v1/responses', respond({ reasoning: { effort: 'constructor' } }), 'reasoning.effort'],
    ['/v1/responses', respond({ max_output_tokens: 'many' }), 'max_output_tokens'],
    ['/v1/responses', respond({ tools: [{ type: 'function', name: 5 }] }), 'tools[0].name'],
    [
      '/v1/responses',
      respond({ text: { format: { type: 'json_schema', schema: 'x' } } }),
      'text.format.schema',
    ],
    [
      '/v1/responses',
      respond({ metadata: Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v'])) }),
      'metadata',
    ],
    ['/v1/responses', respond({ metadata: { note: 'v'.repeat(513) } }), 'metadata'],
    ['/v1/responses', respond({ model: 'm'.repeat(300) }), 'model'],
    ['/v1/responses', respond({ previous_response_id: 'resp_earlier' }), 'previous_response_id'],
    ['/hf/v1/responses', respond({ store: true }), 'store'],
  ])('POST %s %j is a 400 naming %s', async (path, body, param) => {
    const response = await post(`${stack.url}${path}`, JSON.stringify(body), bearer);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { param: string; message: string } };
    expect(error).toEqual(openAIError(param));
    expect(error.error.message).toContain(param);
    expect(stack.fake.requests).toHaveLength(0);
  });

  it('refuses an OpenAI body that is not UTF-8 rather than guess at its text', async () => {
    const body = Buffer.concat([
      Buffer.from('{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}]}'),
    ]);
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: { ...bearer, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { message: string } };
    expect(error).toEqual(openAIError(null));
    expect(error.error.message).toContain('UTF-8');
    expect(stack.fake.requests).toHaveLength(0);
  });

  it('answers wrong types to the official OpenAI client as a BadRequestError naming the param', async () => {
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const failure = await openai.chat.completions
      .create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], tools: 'x' as never })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('tools');
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('invalid_type');
  });

  it('refuses JSON nested 100 000 deep in the route’s shape, and keeps serving', async () => {
    const nested = deeplyNested(100_000);
    const native = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      `{"contents":${nested}}`,
      bearer,
    );
    expect(native.status).toBe(400);
    expect(await native.json()).toEqual(geminiError(400));
    const tool = { type: 'function', function: { name: 'f', parameters: { items: '' } } };
    const openai = await post(
      `${stack.url}/v1/chat/completions`,
      JSON.stringify(chat({ tools: [tool] })).replace('""', nested),
      bearer,
    );
    expect(openai.status).toBe(400);
    expect(await openai.json()).toEqual(openAIError(null));
    expect(stack.fake.requests).toHaveLength(0);
    const healthy = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('still here'),
      bearer,
    );
    expect(healthy.status).toBe(200);
  });

  it('refuses a body that is not JSON where the native relay has to rewrite it', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      '{"contents": [}',
      bearer,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(geminiError(400));
  });

  it.each([
    `/v1beta/models/${'m'.repeat(257)}:generateContent`,
    `/gemini/v1beta/models/${'m'.repeat(300)}:countTokens`,
    `/v1beta/models/${'m'.repeat(1000)}:generateContent`,
  ])('refuses an over-long native model name in Gemini’s shape (%#)', async (path) => {
    const response = await post(`${stack.url}${path}`, generateBody('hi'), bearer);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(geminiError(400));
    expect(stack.fake.requests).toHaveLength(0);
  });

  it.each([
    '/v1beta/models/gemini-2.5-flash:x%2F..%2F..%2F..%2Fv1beta%2Ffiles',
    '/v1beta/models/gemini-2.5-flash:generateContent%3Falt=sse',
    '/gemini/v1/models/gemini-2.5-flash:generate%20Content',
    '/v1beta/models/%2E%2E:generateContent',
  ])('keeps %s from steering the upstream path, in Gemini’s shape', async (path) => {
    const response = await post(`${stack.url}${path}`, generateBody('hi'), bearer);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.json()).toEqual(geminiError(response.status));
    expect(stack.fake.requests).toHaveLength(0);
  });

  it('refuses an over-long model name on models.get for both APIs', async () => {
    const gemini = await fetch(`${stack.url}/v1beta/models/${'m'.repeat(257)}`, { headers: bearer });
    expect(gemini.status).toBe(400);
    expect(await gemini.json()).toEqual(geminiError(400));
    const openai = await fetch(`${stack.url}/hf/v1/models/${'m'.repeat(257)}`, { headers: bearer });
    expect(openai.status).toBe(400);
    expect(await openai.json()).toEqual(openAIError('model'));
  });

  it.each([
    ['/v1beta/models/%E0%A4%A:generateContent', geminiError(400)],
    ['/v1/chat/completions/%zz', openAIError(null)],
    ['/api/keys/%E0%A4%A', { error: { code: 400, message: expect.any(String) } }],
  ])('answers malformed percent-encoding in %s in the API’s shape', async (path, shape) => {
    const response = await post(`${stack.url}${path}`, '{}', {
      ...bearer,
      authorization: path.startsWith('/api') ? `Bearer ${adminToken}` : bearer.authorization,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(shape);
  });

  it.each([
    ['/v1/chat/completions', openAIError(null)],
    ['/v1beta/models/gemini-2.5-flash:generateContent', geminiError(431)],
  ])('answers headers over 16 KiB on %s with 431 in the API’s shape', async (path, shape) => {
    const answer = await rawExchange(
      stack.url,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${clientToken}\r\nX-Padding: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    const { status, body } = parseRawAnswer(answer);
    expect(status).toBe(431);
    expect(body).toEqual(shape);
  });

  it('answers an invalid Content-Length with a 400 in the API’s shape', async () => {
    const answer = await rawExchange(
      stack.url,
      `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n{}`,
    );
    const { status, body } = parseRawAnswer(answer);
    expect(status).toBe(400);
    expect(body).toEqual(openAIError(null));
  });
});
