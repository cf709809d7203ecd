import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import type { FakeBehaviour } from '../src/fake-upstream/fake-behaviour.js';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

/** /health shows key counts to the admin token only. */
const adminHeaders = { headers: { authorization: 'Bearer admin-token-for-tests' } };

const auth = { 'x-goog-api-key': clientToken };
const start = useStacks();

function generate(s: Stack, model = 'gemini-2.5-flash', text = 'hello') {
  return post(`${s.url}/v1beta/models/${model}:generateContent`, generateBody(text), auth);
}

/** The keys of the generation calls, in order (probes, GETs that spend no quota, left out). */
function keysCalled(s: Stack): (string | undefined)[] {
  return s.fake.requests.filter((request) => request.method === 'POST').map((request) => request.key);
}

describe('key rotation', () => {
  it('rotates round-robin per model', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b,k-c' });
    for (let index = 0; index < 4; index++) expect((await generate(s)).status).toBe(200);
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(200);
    expect(keysCalled(s)).toEqual(['k-a', 'k-b', 'k-c', 'k-a', 'k-a']);
  });

  it.each<[FakeBehaviour, string]>([
    ['quota-minute', 'quota-minute'],
    ['quota-day', 'quota-day'],
    ['quota-unknown', 'rate-limited'],
    ['overloaded', 'upstream-error'],
    ['internal', 'upstream-error'],
    ['deadline', 'upstream-error'],
    ['reset', 'connection'],
    ['invalid', 'invalid-key'],
    ['suspended', 'suspended'],
    ['precondition', 'precondition'],
  ])('retries a %s failure on another key; the client sees a clean answer', async (behaviour, errorType) => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    s.fake.script('k-a', behaviour);
    const response = await generate(s, 'gemini-2.5-flash', 'retry me');
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]
        ?.content.parts[0]?.text,
    ).toBe(fakeAnswerText('retry me'));
    expect(keysCalled(s)).toEqual(['k-a', 'k-b']);
    await s.gateway.logWriter.flush();
    const errors = await s.gateway.database.db.selectFrom('error_log').selectAll().execute();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error_type: errorType, model: 'gemini-2.5-flash' });
    expect(errors[0]?.key_id).toBe(createKeyIdentity('k-a').id);
    const requests = await s.gateway.database.db.selectFrom('request_log').selectAll().execute();
    expect(requests).toMatchObject([
      { status: 200, success: 1, attempts: 2, route: 'gemini generateContent' },
    ]);
  });

  it('stops after MAX_RETRIES attempts and returns Google’s last error', async () => {
    const s = await start({ API_KEYS: 'overloaded-1,overloaded-2,overloaded-3', MAX_RETRIES: '2' });
    const response = await generate(s);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: {
        code: 503,
        message: 'The model is overloaded. Please try again later.',
        status: 'UNAVAILABLE',
      },
    });
    expect(keysCalled(s)).toEqual(['overloaded-1', 'overloaded-2']);
  });

  it('steps over more refused and rate-limited keys than MAX_RETRIES: they cost a switch, not a retry', async () => {
    const s = await start({
      API_KEYS: 'invalid-1,suspended-1,quota-day-1,quota-minute-1,k-ok',
      MAX_RETRIES: '1',
    });
    expect((await generate(s)).status).toBe(200);
    expect(keysCalled(s)).toEqual(['invalid-1', 'suspended-1', 'quota-day-1', 'quota-minute-1', 'k-ok']);
  });

  it('after Google’s own trouble may try a key again when every key was tried', async () => {
    const s = await start({ API_KEYS: 'k-a', MAX_RETRIES: '3' });
    s.fake.script('k-a', ['overloaded', 'overloaded', 'ok']);
    expect((await generate(s)).status).toBe(200);
    expect(keysCalled(s)).toEqual(['k-a', 'k-a', 'k-a']);
  });

  it('does not retry the client’s own error', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    const response = await generate(s, 'not-a-model');
    expect(response.status).toBe(404);
    expect(keysCalled(s)).toEqual(['k-a']);
  });

  it('skips an invalid key for good after its first failure', async () => {
    const s = await start({ API_KEYS: 'invalid-1,k-b' });
    for (let index = 0; index < 5; index++) expect((await generate(s)).status).toBe(200);
    // One generation call, and the probe that confirmed the refusal.
    expect(s.fake.callsFor('invalid-1')).toBe(2);
    expect(keysCalled(s).filter((key) => key === 'invalid-1')).toHaveLength(1);
    expect(s.fake.callsFor('k-b')).toBe(5);
    expect(await (await fetch(`${s.url}/health`, adminHeaders)).json()).toMatchObject({
      keys: { configured: 2, usable: 1 },
    });
  });

  it('rests a per-minute-limited key for its retryDelay instead of calling it again', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    s.fake.script('k-a', ['quota-minute', 'ok']);
    for (let index = 0; index < 8; index++) expect((await generate(s)).status).toBe(200);
    expect(s.fake.callsFor('k-a')).toBe(1);
    // Quotas are per model: the key still serves another one.
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(200);
    expect(s.fake.lastRequest()?.key).toBe('k-a');
  });

  it('never disables a key for Google’s overload; a run of them rests it briefly', async () => {
    const s = await start({ API_KEYS: 'overloaded-1,k-b', MAX_FAILURES: '2' });
    for (let index = 0; index < 6; index++) expect((await generate(s)).status).toBe(200);
    // Tried first twice (each time retried on k-b), then resting after two 503s in a row.
    expect(s.fake.callsFor('overloaded-1')).toBe(2);
    expect(await (await fetch(`${s.url}/health`, adminHeaders)).json()).toMatchObject({
      keys: { configured: 2, usable: 2 },
    });
  });

  it('retries a non-stream answer cut mid-body, since nothing reached the client yet', async () => {
    const s = await start({ API_KEYS: 'drop-1,k-b' });
    const response = await generate(s, 'gemini-2.5-flash', 'whole');
    expect(response.status).toBe(200);
    expect(keysCalled(s)).toEqual(['drop-1', 'k-b']);
  });

  it('retries a slow first byte past TIME_OUT on another key', async () => {
    const s = await start({ API_KEYS: 'slow-1,k-b', TIME_OUT: '1' }, { slowMs: 2500 });
    const started = Date.now();
    const response = await generate(s);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2400);
    expect(keysCalled(s)).toEqual(['slow-1', 'k-b']);
  });

  it('answers 503 in Gemini’s shape when no key is configured', async () => {
    const s = await start({ API_KEYS: '' });
    const response = await generate(s);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('API_KEYS');
  });
});

describe('streams', () => {
  function stream(s: Stack, text: string) {
    return post(
      `${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      generateBody(text),
      auth,
    );
  }

  function eventsOf(body: string): unknown[] {
    return body
      .split(/\r\n\r\n|\n\n/)
      .filter((event) => event.trim())
      .map((event) => JSON.parse(event.replace(/^data: /, '')));
  }

  it('retries a failure before the first byte, then streams cleanly', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    s.fake.script('k-a', 'reset');
    const response = await stream(s, 'clean');
    const events = eventsOf(await response.text()) as {
      candidates: { content: { parts: { text: string }[] } }[];
    }[];
    expect(events.map((event) => event.candidates[0]?.content.parts[0]?.text).join('')).toBe(
      fakeAnswerText('clean'),
    );
    expect(keysCalled(s)).toEqual(['k-a', 'k-b']);
  });

  it('ends a stream cut mid-way with an in-band error, no retry and no duplicated text', async () => {
    const s = await start({ API_KEYS: 'drop-1,k-b' });
    const response = await stream(s, 'cut short');
    expect(response.status).toBe(200);
    const { text: body, complete } = await readStream(response);
    expect(complete).toBe(false);
    const events = eventsOf(body) as Record<string, unknown>[];
    // The first event arrived whole; the torn second one was held back; then the error.
    expect(events).toHaveLength(2);
    expect(events[0]).toHaveProperty('candidates');
    expect(events[1]).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE' } });
    expect(body.split('Echo: cut short')).toHaveLength(2);
    expect(keysCalled(s)).toEqual(['drop-1']);
    await s.gateway.logWriter.flush();
    const [logged] = await s.gateway.database.db.selectFrom('request_log').selectAll().execute();
    expect(logged).toMatchObject({ success: 0, stream: 1, attempts: 1 });
  });

  it('ends a stream that stalls past TIME_OUT with an in-band deadline error', async () => {
    const s = await start({ API_KEYS: 'stall-1', TIME_OUT: '1' });
    const { text, complete } = await readStream(await stream(s, 'stall'));
    expect(complete).toBe(false);
    expect(eventsOf(text).at(-1)).toMatchObject({ error: { code: 504, status: 'DEADLINE_EXCEEDED' } });
  });

  it('aborts the upstream call when the client disconnects', async () => {
    const s = await start({ API_KEYS: 'stall-1' });
    const controller = new AbortController();
    const response = await fetch(`${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: generateBody('then leave'),
      headers: auth,
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await expect.poll(() => s.fake.abandoned(), { timeout: 3000 }).toBe(1);
  });
});
