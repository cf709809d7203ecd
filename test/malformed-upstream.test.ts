import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import type { FakeBehaviour } from '../src/fake-upstream/fake-behaviour.js';
import { clientToken, generateBody, post, type Stack, startStack, useStacks } from './helpers/start-stack.js';

// Google (or a proxy in front of it) answering 200 with a body that is not the method's answer:
// the client gets a 502 in its API's shape, never a 500 nor an empty success, and the error log
// gets a row naming the key that served it.

const key = 'ok-solo-key';
const keyId = createKeyIdentity(key).id;
const headers = { 'x-goog-api-key': clientToken };

async function errorRows(stack: Stack) {
  await stack.gateway.logWriter.flush();
  return stack.gateway.database.db.selectFrom('error_log').selectAll().orderBy('id').execute();
}

async function requestRows(stack: Stack) {
  await stack.gateway.logWriter.flush();
  return stack.gateway.database.db.selectFrom('request_log').selectAll().orderBy('id').execute();
}

describe('malformed 200s from upstream', () => {
  let stack: Stack;
  let openai: OpenAI;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: key });
    openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    stack.fake.reset();
    await stack.gateway.logWriter.flush();
    await stack.gateway.database.db.deleteFrom('error_log').execute();
    await stack.gateway.database.db.deleteFrom('request_log').execute();
  });

  it.each<[FakeBehaviour, string]>([
    ['malformed-empty', 'generateContent'],
    ['malformed-text', 'generateContent'],
    ['malformed-text', 'countTokens'],
    ['malformed-empty', 'embedContent'],
  ])('native %s on %s is a 502 in Gemini’s shape with an error-log row', async (behaviour, method) => {
    stack.fake.script(key, behaviour);
    const model = method === 'embedContent' ? 'gemini-embedding-001' : 'gemini-2.5-flash';
    const body =
      method === 'embedContent' ? JSON.stringify({ content: { parts: [{ text: 'x' }] } }) : generateBody('x');
    const response = await post(`${stack.url}/v1beta/models/${model}:${method}`, body, headers);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: { code: 502, message: expect.stringContaining('Google answered 200'), status: 'UNAVAILABLE' },
    });
    expect(await errorRows(stack)).toEqual([
      expect.objectContaining({
        route: `gemini ${method}`,
        model,
        key_id: keyId,
        status: 200,
        error_type: 'malformed-answer',
      }),
    ]);
    expect(await requestRows(stack)).toEqual([expect.objectContaining({ status: 502, success: 0 })]);
  });

  it.each<FakeBehaviour>(['malformed-empty', 'malformed-text', 'malformed-null'])(
    'chat through the OpenAI client: %s is a 502 APIError and an error-log row',
    async (behaviour) => {
      stack.fake.script(key, behaviour);
      const failure = await openai.chat.completions
        .create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((failure as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
      expect(await errorRows(stack)).toEqual([
        expect.objectContaining({
          route: 'openai chat.completions',
          key_id: keyId,
          error_type: 'malformed-answer',
        }),
      ]);
    },
  );

  it('embeddings, Imagen, Gemini images and speech answered with null fields are 502s, not empty successes', async () => {
    stack.fake.script(key, 'malformed-null');
    const attempts = [
      () => openai.embeddings.create({ model: 'gemini-embedding-001', input: ['a', 'b'] }),
      () => openai.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a cat' }),
      () => openai.images.generate({ model: 'gemini-2.5-flash-image', prompt: 'a cat' }),
      () =>
        openai.audio.speech.create({
          model: 'tts-1',
          voice: 'alloy',
          input: 'hello',
          response_format: 'wav',
        }),
    ];
    for (const attempt of attempts) {
      const failure = await attempt().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    }
    const rows = await errorRows(stack);
    expect(rows.map((row) => [row.route, row.error_type])).toEqual([
      ['openai embeddings', 'malformed-answer'],
      ['openai images.generations', 'malformed-answer'],
      ['openai images.generations', 'malformed-answer'],
      ['openai audio.speech', 'malformed-answer'],
    ]);
  });

  it('a proxy’s text instead of JSON is a 502 in OpenAI’s shape, naming the problem', async () => {
    stack.fake.script(key, 'malformed-text');
    const response = await post(
      `${stack.url}/hf/v1/chat/completions`,
      JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
      { authorization: `Bearer ${clientToken}` },
    );
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: { message: expect.stringContaining('not JSON'), type: 'server_error', param: null, code: null },
    });
  });
});

describe('malformed 200s behind keep-alives (FAKE_STREAM_ENABLED)', () => {
  const start = useStacks();

  it('ends a fake-streamed native and OpenAI answer with an in-band error, and the process serves on', async () => {
    const stack = await start({
      API_KEYS: key,
      FAKE_STREAM_ENABLED: 'true',
      FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: '0.1',
    });
    stack.fake.script(key, 'malformed-text');
    const native = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      generateBody('x'),
      headers,
    );
    expect(native.status).toBe(200);
    const events = (await native.text()).split('\r\n\r\n').filter((event) => event.startsWith('data: '));
    expect(events.map((event) => JSON.parse(event.slice(6)))).toEqual([
      {
        error: {
          code: 502,
          message: 'Google answered 200 with a body that is not JSON.',
          status: 'UNAVAILABLE',
        },
      },
    ]);

    stack.fake.script(key, 'malformed-null');
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const failure = await (async () => {
      for await (const _chunk of stream) {
        // No chunk precedes the error.
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toContain('candidates');

    stack.fake.script(key, 'ok');
    expect(
      (await post(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('x'), headers))
        .status,
    ).toBe(200);
    const rows = await errorRows(stack);
    expect(rows.map((row) => row.error_type)).toEqual(['malformed-answer', 'malformed-answer']);
  });
});
