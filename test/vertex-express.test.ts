import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../src/fake-upstream/create-fake-upstream.js';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { startHostileUpstream } from './helpers/hostile-upstream.js';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Vertex AI express keys (VERTEX_API_KEYS) serve /vertex-express/v1beta: a pool of their own,
// addressed at VERTEX_EXPRESS_BASE_URL (the fake upstream's Vertex path in these tests).
const aiStudioKeys = ['ok-alpha-studio-key-for-vertex-tests', 'ok-bravo-studio-key-for-vertex-tests'];
const vertexKeys = ['ok-vx-one-express-key-for-tests', 'ok-vx-two-express-key-for-tests'];
const vertexPath =
  /^\/v1beta1\/publishers\/google\/models\/gemini-2\.5-flash(?:-lite)?:(generateContent|streamGenerateContent|countTokens)(\?|$)/;

const vertexClient = (stack: Stack) =>
  new GoogleGenAI({ apiKey: clientToken, httpOptions: { baseUrl: `${stack.url}/vertex-express` } });

/** A pooled key's state, found by the key itself; a key not in the pool fails the test. */
function stateOf(stack: Stack, secret: string) {
  const key = stack.gateway.pool.findSecret(secret);
  if (!key) throw new Error('the key is not in the pool');
  return stack.gateway.pool.stateOf(key.id);
}

const modelCalls = (stack: Stack): RecordedRequest[] =>
  stack.fake.requests.filter((request) => request.method === 'POST');

describe('Vertex AI express keys', () => {
  const startStack = useStacks();
  const start = (settings: Record<string, string> = {}) =>
    startStack({ API_KEYS: aiStudioKeys.join(','), VERTEX_API_KEYS: vertexKeys.join(','), ...settings });

  it('serve @google/genai under /vertex-express: generate, stream and count, each key taking turns', async () => {
    const stack = await start();
    const ai = vertexClient(stack);
    const answer = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Why is the sky blue?',
    });
    expect(answer.text).toBe(fakeAnswerText('Why is the sky blue?'));
    let streamed = '';
    for await (const chunk of await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Why is the sea blue?',
    }))
      streamed += chunk.text ?? '';
    expect(streamed).toBe(fakeAnswerText('Why is the sea blue?'));
    const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'count me' });
    expect(counted.totalTokens).toBeGreaterThan(0);

    const calls = modelCalls(stack);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.url).toMatch(vertexPath);
      // The express key in its header, never in the URL.
      expect(call.keySource).toBe('header');
      expect(vertexKeys).toContain(call.key);
      expect(call.url).not.toContain(call.key as string);
    }
    expect(calls[1]?.url).toMatch(/:streamGenerateContent\?alt=sse$/);
    expect(new Set(calls.map((call) => call.key)).size).toBe(2);

    // The native API meanwhile uses AI Studio keys at BASE_URL only.
    const native = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
      generateBody('hello'),
    );
    expect(native.status).toBe(200);
    const last = stack.fake.lastRequest();
    expect(last?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(aiStudioKeys).toContain(last?.key);
  });

  it('list the Gemini API models, read with an AI Studio key', async () => {
    const stack = await start();
    const names: string[] = [];
    for await (const model of await vertexClient(stack).models.list({ config: { pageSize: 50 } }))
      names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    expect(aiStudioKeys).toContain(stack.fake.lastRequest()?.key);
  });

  it('are classified as AI Studio keys are: a refused one is switched off, the other serves, AI Studio keys untouched', async () => {
    const refused = 'invalid-vx-three-express-key-for-tests';
    const stack = await start({ VERTEX_API_KEYS: [refused, vertexKeys[0]].join(',') });
    for (let index = 0; index < 4; index += 1) {
      const response = await post(
        `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
        generateBody(`turn ${index}`),
      );
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const keys = (await (
      await fetch(`${stack.url}/api/keys?limit=50`, {
        headers: { authorization: `Bearer ${stack.adminToken}` },
      })
    ).json()) as { items: { id: string; kind: string; disabled: { reason: string } | null }[] };
    const byKind = (kind: string) => keys.items.filter((key) => key.kind === kind);
    expect(byKind('vertex-express')).toHaveLength(2);
    expect(byKind('ai-studio')).toHaveLength(2);
    expect(byKind('vertex-express').filter((key) => key.disabled?.reason === 'invalid')).toHaveLength(1);
    expect(byKind('ai-studio').every((key) => key.disabled === null)).toBe(true);
    // The refused key served one request, was confirmed refused by a probe (countTokens: express
    // mode has no model entries to read), then never called again.
    const refusedCalls = stack.fake.requests.filter((request) => request.key === refused);
    expect(refusedCalls.map((request) => request.url.replace(/^.*:/, ''))).toEqual([
      'generateContent',
      'countTokens',
    ]);
    for (const call of refusedCalls) expect(call.url).toMatch(vertexPath);
    expect(aiStudioKeys.every((key) => stack.fake.callsFor(key) === 0)).toBe(true);
  });

  it('never give away an express key Google quotes in its error', async () => {
    const suspended = 'suspended-vx-four-express-key-for-tests';
    const stack = await start({ VERTEX_API_KEYS: suspended });
    const response = await post(
      `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
      generateBody('hello'),
    );
    const text = await response.text();
    expect(response.status).not.toBe(200);
    expect(stack.fake.callsFor(suspended)).toBeGreaterThan(0);
    expect(text).not.toContain(suspended);
    expect(stack.logLines.join('')).not.toContain(suspended);
  });

  it('without VERTEX_API_KEYS: a clear 503 in Google shape, and no AI Studio key stands in', async () => {
    const stack = await start({ VERTEX_API_KEYS: '' });
    const response = await post(
      `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
      generateBody('hello'),
    );
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: number; message: string; status: string } };
    expect(body.error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    expect(body.error.message).toMatch(/no Vertex AI express keys configured: set VERTEX_API_KEYS/);
    expect(modelCalls(stack)).toHaveLength(0);
  });

  it('follow VERTEX_API_KEYS saved live, and refuse a key that is in both lists without naming it', async () => {
    const stack = await start({ VERTEX_API_KEYS: '' });
    const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    const both = await fetch(`${stack.url}/api/config`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ values: { VERTEX_API_KEYS: `${vertexKeys[0]},${aiStudioKeys[1]}` } }),
    });
    expect(both.status).toBe(400);
    const refusal = await both.text();
    expect(refusal).toMatch(/VERTEX_API_KEYS: entry 2 is also in API_KEYS/);
    expect(refusal).not.toContain(aiStudioKeys[1]);

    const saved = await fetch(`${stack.url}/api/config`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ values: { VERTEX_API_KEYS: vertexKeys[1] } }),
    });
    expect(saved.status).toBe(200);
    const response = await post(
      `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
      generateBody('hello'),
    );
    expect(response.status).toBe(200);
    expect(stack.fake.lastRequest()).toMatchObject({ key: vertexKeys[1] });
    expect(stack.fake.lastRequest()?.url).toMatch(vertexPath);
  });

  it('keep a forgotten saved value from bringing back a key that is in the other list', async () => {
    const stack = await start({ VERTEX_API_KEYS: '' });
    const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    // The environment's API_KEYS holds both AI Studio keys; the operator moves the second to Vertex.
    const moved = await fetch(`${stack.url}/api/config`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ values: { API_KEYS: aiStudioKeys[0], VERTEX_API_KEYS: aiStudioKeys[1] } }),
    });
    expect(moved.status).toBe(200);
    const forget = (name: string) =>
      fetch(`${stack.url}/api/config/${name}`, { method: 'DELETE', headers: admin });
    // Forgetting API_KEYS would bring back the environment's, which holds the Vertex key.
    const refused = await forget('API_KEYS');
    expect(refused.status).toBe(400);
    const refusal = await refused.text();
    expect(refusal).toMatch(/VERTEX_API_KEYS: entry 1 is also in API_KEYS/);
    expect(refusal).not.toContain(aiStudioKeys[1]);
    const config = (await (await fetch(`${stack.url}/api/config`, { headers: admin })).json()) as {
      settings: { name: string; source: string }[];
    };
    expect(config.settings.find((setting) => setting.name === 'API_KEYS')?.source).toBe('saved');
    // In the other order both go.
    expect((await forget('VERTEX_API_KEYS')).status).toBe(200);
    expect((await forget('API_KEYS')).status).toBe(200);
  });

  it('answer hostile input in Google shape, and no key pays for text Google quotes back', async () => {
    const stack = await start();
    const url = (target: string) => `${stack.url}/vertex-express/v1beta/models/${target}?key=${clientToken}`;
    const cases: [string, string, number][] = [
      ['gemini-2.5-flash:generateContent', 'not json', 400],
      ['gemini-2.5-flash:generateContent', '[1,2,3]', 400],
      ['gemini-2.5-flash:generateContent', '"a string"', 400],
      ['gemini-2.5-flash:gener%2FateContent', generateBody('hi'), 404],
      ['..%2F..%2Ffiles:generateContent', generateBody('hi'), 404],
      // A field named like Google's refusal of a key: Google quotes it back in its 400.
      ['gemini-2.5-flash:generateContent', JSON.stringify({ contents: [], 'API key not valid': 1 }), 400],
      ['gemini-2.5-flash:generateContent', `{"contents":${'['.repeat(5000)}${']'.repeat(5000)}}`, 400],
    ];
    for (const [target, body, status] of cases) {
      const response = await post(url(target), body);
      expect(response.status, `${target} ${body.slice(0, 40)}`).toBe(status);
      const answer = (await response.json()) as { error: { code: number; message: string; status: string } };
      expect(answer.error.code).toBe(status);
      expect(typeof answer.error.message).toBe('string');
    }
    for (const secret of vertexKeys)
      expect(
        stack.gateway.pool.findSecret(secret)?.id &&
          stack.gateway.pool.stateOf(stack.gateway.pool.findSecret(secret)?.id as string)?.disabled,
      ).toBeUndefined();
    const served = await post(url('gemini-2.5-flash:generateContent'), generateBody('still here'));
    expect(served.status).toBe(200);
  });

  it('never pass a malformed answer of a hostile Vertex endpoint on as a success, nor blame the key', async () => {
    const hostile = await startHostileUpstream((request) =>
      request.url?.includes('streamGenerateContent')
        ? { kind: 'pieces', contentType: 'text/event-stream', pieces: ['data: {not json}\r\n\r\n'] }
        : {
            kind: 'pieces',
            contentType: 'text/html',
            pieces: ['<html><body>Welcome to nginx</body></html>'],
          },
    );
    try {
      const stack = await start({ VERTEX_EXPRESS_BASE_URL: `${hostile.url}/v1beta1/publishers/google` });
      const whole = await post(
        `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
        generateBody('hi'),
      );
      expect(whole.status).toBe(502);
      expect(((await whole.json()) as { error: { status: string } }).error.status).toBeDefined();
      const stream = await post(
        `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${clientToken}`,
        generateBody('hi'),
      );
      // The stream had begun: an in-band error in Google's shape, then an abnormal end.
      const read = await readStream(stream);
      expect(read.complete).toBe(false);
      expect(read.text).toMatch(/^data: \{"error":\{"code":502,/);
      for (const secret of vertexKeys) {
        expect(stateOf(stack, secret)?.disabled).toBeUndefined();
        expect(Object.keys(stateOf(stack, secret)?.models ?? {})).toEqual([]);
      }
      expect(hostile.generationCalls).toBeGreaterThanOrEqual(2);
    } finally {
      await hostile.close();
    }
  });

  it('refuse a pin to a key of the other kind, and any call without a client token', async () => {
    const stack = await start();
    const studioId = stack.gateway.pool.findSecret(aiStudioKeys[0] as string)?.id as string;
    const pinned = await post(
      `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hello'),
      { 'x-goog-api-key': stack.adminToken, 'x-gemgate-key-id': studioId },
    );
    expect(pinned.status).toBe(404);
    const anonymous = await post(
      `${stack.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hello'),
    );
    expect(anonymous.status).toBe(401);
    expect(modelCalls(stack)).toHaveLength(0);
  });
});
