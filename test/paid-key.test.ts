import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { fakePng } from '../src/fake-upstream/fake-media.js';
import { clientToken, type Stack, useStacks } from './helpers/start-stack.js';

// PAID_KEY and the `{CREATE_IMAGE_MODEL}-chat` model, through the official OpenAI client, a real
// gateway and the fake upstream, which records the key of every call it gets.
const alpha = 'ok-paid-test-pool-alpha-key';
const bravo = 'ok-paid-test-pool-bravo-key';
const paid = 'ok-paid-test-billed-project-key';
const revoked = 'invalid-paid-test-revoked-key';
const drawingModel = 'imagen-4.0-generate-001-chat';

const start = useStacks();
const startWith = (settings: Record<string, string> = {}) =>
  start({ API_KEYS: `${alpha},${bravo}`, ...settings });
const clientOf = (s: Stack, path = '/v1') =>
  new OpenAI({ apiKey: clientToken, baseURL: `${s.url}${path}`, maxRetries: 0 });

/** The keys of the calls the fake got whose path holds `method` (`:predict`). */
const keysOfCalls = (s: Stack, method: string) =>
  s.fake.requests.filter((request) => request.url.includes(method)).map((request) => request.key);

/** The image URLs a chat answer's Markdown shows. */
const imageUrlsIn = (content: string) =>
  [...content.matchAll(/!\[image\]\(([^)\s]+)\)/g)].map((match) => match[1]);

async function expectServedPng(url: string | undefined) {
  expect(url).toBeDefined();
  const image = await fetch(url ?? '');
  expect(image.status).toBe(200);
  expect(image.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await image.arrayBuffer())).toEqual(fakePng());
}

const admin = (s: Stack, method: string, path: string, body?: unknown) =>
  fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('PAID_KEY', () => {
  it('makes every image of images/generations, outside the pool, and the log names it by id', async () => {
    const s = await startWith({ PAID_KEY: paid });
    const openai = clientOf(s);
    const imagen = await openai.images.generate({ prompt: 'a cat', n: 2, response_format: 'b64_json' });
    expect(imagen.data?.map((image) => image.b64_json)).toEqual([
      fakePng().toString('base64'),
      fakePng().toString('base64'),
    ]);
    const gemini = await openai.images.generate({
      model: 'gemini-2.5-flash-image',
      prompt: 'a bird',
      n: 2,
      response_format: 'b64_json',
    });
    expect(gemini.data).toHaveLength(2);
    expect(keysOfCalls(s, ':predict')).toEqual([paid]);
    expect(keysOfCalls(s, 'gemini-2.5-flash-image:generateContent')).toEqual([paid, paid]);
    expect(s.fake.callsFor(alpha) + s.fake.callsFor(bravo)).toBe(0);
    // Not a key of the pool: not listed, not counted.
    const pool = (await (await admin(s, 'GET', '/api/keys')).json()) as { counts: { total: number } };
    expect(pool.counts.total).toBe(2);

    // Chat goes on through the pool.
    await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(s.fake.callsFor(alpha) + s.fake.callsFor(bravo)).toBe(1);

    await s.gateway.logWriter.flush();
    const logs = (await (
      await admin(s, 'GET', '/api/logs/requests?route=openai%20images.generations')
    ).json()) as {
      items: { key: { id: string; masked: string | null } | null }[];
    };
    const { id, masked } = createKeyIdentity(paid);
    expect(logs.items.map((item) => item.key)).toEqual([
      { id, masked: `${masked} (PAID_KEY)` },
      { id, masked: `${masked} (PAID_KEY)` },
    ]);
    // A secret: masked in the settings, never in a log line or a row.
    const config = (await (await admin(s, 'GET', '/api/config')).json()) as {
      settings: { name: string; value: unknown }[];
    };
    expect(JSON.stringify(config.settings.find((setting) => setting.name === 'PAID_KEY'))).not.toContain(
      paid,
    );
    expect(s.logLines.join('')).not.toContain(paid);
    const rows = await s.gateway.database.db.selectFrom('request_log').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(paid);
  });

  it('serves images from the pool when it is empty, and follows a change at once', async () => {
    const s = await startWith();
    const openai = clientOf(s);
    await openai.images.generate({ prompt: 'a cat', response_format: 'b64_json' });
    const [first] = keysOfCalls(s, ':predict');
    expect([alpha, bravo]).toContain(first);

    expect((await admin(s, 'PUT', '/api/config', { values: { PAID_KEY: paid } })).status).toBe(200);
    await openai.images.generate({ prompt: 'a dog', response_format: 'b64_json' });
    expect(keysOfCalls(s, ':predict').slice(1)).toEqual([paid]);

    expect((await admin(s, 'DELETE', '/api/config/PAID_KEY')).status).toBe(200);
    await openai.images.generate({ prompt: 'a bird', response_format: 'b64_json' });
    expect([alpha, bravo]).toContain(keysOfCalls(s, ':predict')[2]);

    // A value that cannot be a key is refused, without being repeated.
    const refused = await admin(s, 'PUT', '/api/config', { values: { PAID_KEY: 'two words' } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).not.toContain('two words');
  });

  it('answers a revoked key’s refusal in OpenAI’s shape, and the pool’s keys stay healthy', async () => {
    const s = await startWith({ PAID_KEY: revoked });
    const openai = clientOf(s);
    for (const attempt of [1, 2]) {
      const error = (await openai.images
        .generate({ prompt: 'a cat', response_format: 'b64_json' })
        .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      expect(error, `attempt ${attempt}`).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(400);
      expect(error.message).toContain('API key not valid');
      expect(error.message).not.toContain(revoked);
    }
    const chat = (await openai.chat.completions
      .create({ model: drawingModel, messages: [{ role: 'user', content: 'a cat' }] })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(chat.status).toBe(400);
    expect(s.fake.callsFor(alpha) + s.fake.callsFor(bravo)).toBe(0);
    const pool = (await (await admin(s, 'GET', '/api/keys')).json()) as {
      counts: Record<string, number>;
    };
    expect(pool.counts).toMatchObject({ active: 2, refused: 0, resting: 0, total: 2 });
    await s.gateway.logWriter.flush();
    const [error] = await s.gateway.database.db.selectFrom('error_log').selectAll().execute();
    expect(error).toMatchObject({ key_id: createKeyIdentity(revoked).id, error_type: 'invalid-key' });
  });

  it('rests after a 429 of its own, answering with Retry-After without calling Google again', async () => {
    const s = await startWith({ PAID_KEY: paid });
    s.fake.script(paid, 'quota-minute');
    const openai = clientOf(s);
    for (const _ of [1, 2]) {
      const response = await fetch(`${s.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a cat' }),
      });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(s.fake.callsFor(paid)).toBe(1);
    expect(s.fake.callsFor(alpha) + s.fake.callsFor(bravo)).toBe(0);
    await expect(
      openai.chat.completions.create({
        model: 'gemini-2.5-flash',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).resolves.toBeDefined();
  });
});

describe('the {CREATE_IMAGE_MODEL}-chat model', () => {
  it('is listed, and models.retrieve knows it', async () => {
    const s = await startWith();
    const openai = clientOf(s);
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toContain(drawingModel);
    expect((await openai.models.retrieve(drawingModel)).id).toBe(drawingModel);
    // It follows CREATE_IMAGE_MODEL.
    await admin(s, 'PUT', '/api/config', { values: { CREATE_IMAGE_MODEL: 'imagen-4.0-ultra' } });
    const again: string[] = [];
    for await (const model of openai.models.list()) again.push(model.id);
    expect(again).toContain('imagen-4.0-ultra-chat');
    expect(again).not.toContain(drawingModel);
  });

  it('draws the last user message with PAID_KEY and shows the image, whole and streamed', async () => {
    const s = await startWith({ PAID_KEY: paid });
    const openai = clientOf(s);
    const whole = await openai.chat.completions.create({
      model: drawingModel,
      messages: [
        { role: 'user', content: 'a dog' },
        { role: 'assistant', content: 'Here.' },
        { role: 'user', content: [{ type: 'text', text: 'a red cat' }] },
      ],
    });
    expect(whole.model).toBe(drawingModel);
    expect(whole.choices[0]?.finish_reason).toBe('stop');
    const content = whole.choices[0]?.message.content ?? '';
    const [url] = imageUrlsIn(content);
    expect(url?.startsWith(`${s.url}/images/`)).toBe(true);
    await expectServedPng(url);
    const predict = s.fake.requests.filter((request) => request.url.endsWith(':predict'));
    expect(predict.map((request) => request.key)).toEqual([paid]);
    expect(JSON.parse(predict[0]?.body ?? '{}')).toEqual({
      instances: [{ prompt: 'a red cat' }],
      parameters: { sampleCount: 1 },
    });

    const stream = await openai.chat.completions.create({
      model: drawingModel,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'a blue bird' }],
    });
    let streamed = '';
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(finishes).toEqual(['stop']);
    const [streamedUrl] = imageUrlsIn(streamed);
    await expectServedPng(streamedUrl);
    expect(keysOfCalls(s, ':predict')).toEqual([paid, paid]);
    expect(s.fake.callsFor(alpha) + s.fake.callsFor(bravo)).toBe(0);

    await s.gateway.logWriter.flush();
    const rows = await s.gateway.database.db
      .selectFrom('request_log')
      .select(['route', 'model', 'stream', 'key_id', 'status'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        route: 'openai chat.completions',
        model: 'imagen-4.0-generate-001',
        stream: 0,
        key_id: createKeyIdentity(paid).id,
        status: 200,
      },
      {
        route: 'openai chat.completions',
        model: 'imagen-4.0-generate-001',
        stream: 1,
        key_id: createKeyIdentity(paid).id,
        status: 200,
      },
    ]);
  });

  it('draws with a Gemini image model through the pool when PAID_KEY is empty', async () => {
    const s = await startWith({ CREATE_IMAGE_MODEL: 'gemini-2.5-flash-image' });
    const answer = await clientOf(s).chat.completions.create({
      model: 'gemini-2.5-flash-image-chat',
      messages: [{ role: 'user', content: 'a fox' }],
    });
    await expectServedPng(imageUrlsIn(answer.choices[0]?.message.content ?? '')[0]);
    const [call] = s.fake.requests.filter((request) => request.url.includes(':generateContent'));
    expect([alpha, bravo]).toContain(call?.key);
    expect(JSON.parse(call?.body ?? '{}')).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a fox' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
    });
  });

  it('refuses a conversation with nothing to draw in OpenAI’s shape', async () => {
    const s = await startWith();
    const error = (await clientOf(s)
      .chat.completions.create({
        model: drawingModel,
        messages: [
          { role: 'user', content: 'a cat' },
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
          },
        ],
      })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.message).toContain('last user message');
    expect(s.fake.requests.filter((request) => request.url.includes(':predict'))).toEqual([]);
  });

  it('is drawn on /openai/v1 too, where images/generations also goes with PAID_KEY', async () => {
    const s = await startWith({ PAID_KEY: paid });
    const compat = clientOf(s, '/openai/v1');
    const answer = await compat.chat.completions.create({
      model: `models/${drawingModel}`,
      messages: [{ role: 'user', content: 'a tree' }],
    });
    await expectServedPng(imageUrlsIn(answer.choices[0]?.message.content ?? '')[0]);
    // Any other model is Google's own compatible endpoint's, with a pool key.
    await compat.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const relayed = s.fake.requests.filter((request) => request.url.startsWith('/v1beta/openai/'));
    expect(relayed.map((request) => [request.url, request.keySource])).toEqual([
      ['/v1beta/openai/chat/completions', 'bearer'],
    ]);
    expect([alpha, bravo]).toContain(relayed[0]?.key);
    // The fake has no compatible images endpoint (it reads no key there): what counts is the key
    // the gateway sent.
    await compat.images
      .generate({ model: 'imagen-4.0-generate-001', prompt: 'a cat' })
      .catch(() => undefined);
    const images = s.fake.requests.filter((request) => request.url === '/v1beta/openai/images/generations');
    expect(images.map((request) => request.headers.authorization)).toEqual([`Bearer ${paid}`]);
  });
});
