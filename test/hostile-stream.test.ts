import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import {
  geminiChunk,
  type HostileUpstream,
  sseEvent,
  startHostileUpstream,
} from './helpers/hostile-upstream.js';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, type Stack, useStacks } from './helpers/start-stack.js';

// An upstream (a relay at BASE_URL, or a hostile one) that sends a stream event the gateway cannot
// read: the client gets a well-formed end with an in-band error, the process lives, exactly one
// request-log row is written, and the key is not blamed for it.

const key = 'ok-hostile-stream-key';
const adminToken = 'admin-token-for-tests';
const start = useStacks();
let upstream: HostileUpstream | undefined;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeEach(() => {
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  await upstream?.close();
  upstream = undefined;
});

const scenarios = {
  'a malformed first event': [sseEvent('{not json}'), sseEvent(geminiChunk('never', true))],
  'a malformed event mid-stream': [
    sseEvent(geminiChunk('Hello')),
    sseEvent('{"candidates": [ truncated'),
    sseEvent(geminiChunk(' world', true)),
  ],
  'an event that is JSON but not an object': [sseEvent(geminiChunk('Hello')), sseEvent('null')],
} as const;

async function stackFor(pieces: readonly string[], settings: Record<string, string> = {}): Promise<Stack> {
  upstream = await startHostileUpstream(() => ({ kind: 'pieces', contentType: 'text/event-stream', pieces }));
  return start({ API_KEYS: key, BASE_URL: upstream.url, ...settings });
}

async function requestRows(s: Stack) {
  await s.gateway.logWriter.flush();
  return s.gateway.database.db.selectFrom('request_log').selectAll().execute();
}

async function keyIsClean(s: Stack) {
  const response = await fetch(`${s.url}/api/keys/${createKeyIdentity(key).id}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const state = (await response.json()) as { status: string; lastError: unknown; models: unknown[] };
  expect(state).toMatchObject({ status: 'active', lastError: null, models: [] });
}

const optimizer = { STREAM_OPTIMIZER_ENABLED: 'true', STREAM_MIN_DELAY: '0', STREAM_MAX_DELAY: '0' };

describe.each(Object.entries(scenarios))('%s', (_name, pieces) => {
  it('native SSE with the stream optimizer: an in-band error, then the end', async () => {
    const s = await stackFor(pieces, optimizer);
    const response = await fetch(`${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': clientToken, 'content-type': 'application/json' },
      body: generateBody('hi'),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
    const { text, complete } = await readStream(response);
    // The in-band error, then an abnormal end: no client takes the truncated answer as complete.
    expect(complete).toBe(false);
    const events = text.split('\r\n\r\n').filter((event) => event !== '');
    const last = JSON.parse(events.at(-1)?.replace(/^data: /, '') ?? '{}') as { error?: { code: number } };
    expect(last.error?.code).toBe(502);
    expect(events.join('')).not.toContain('world');
    expect(rejections).toEqual([]);
    expect(await requestRows(s)).toMatchObject([{ status: 200, success: 0, stream: 1 }]);
    await keyIsClean(s);
  });

  it.each([
    ['without', {}],
    ['with', optimizer],
  ])('OpenAI chat stream %s the optimizer: an error chunk, then the end', async (_with, settings) => {
    const s = await stackFor(pieces, settings);
    const response = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
    const { text, complete } = await readStream(response);
    expect(complete).toBe(false);
    const events = text.split('\n\n').filter((event) => event !== '');
    const last = JSON.parse(events.at(-1)?.replace(/^data: /, '') ?? '{}') as { error?: { message: string } };
    expect(last.error?.message).toMatch(/malformed|not JSON|not a JSON object/i);
    expect(events.join('')).not.toContain('world');
    expect(rejections).toEqual([]);
    expect(await requestRows(s)).toMatchObject([{ status: 200, success: 0, stream: 1 }]);
    await keyIsClean(s);
  });
});

describe('fake streaming over an upstream that answers an HTML error page', () => {
  it('ends the stream with an in-band error, and the process serves on', async () => {
    upstream = await startHostileUpstream(() => ({
      kind: 'pieces',
      status: 502,
      contentType: 'text/html; charset=UTF-8',
      pieces: ['<!DOCTYPE html><html><title>502 Bad Gateway</title></html>'],
    }));
    const s = await start({
      API_KEYS: key,
      BASE_URL: upstream.url,
      MAX_RETRIES: '1',
      FAKE_STREAM_ENABLED: 'true',
      FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: '0.1',
    });
    const response = await fetch(`${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': clientToken, 'content-type': 'application/json' },
      body: generateBody('hi'),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\r\n\r\n').filter((event) => event.startsWith('data: '));
    const last = JSON.parse(events.at(-1)?.slice(6) ?? '{}') as { error?: { code: number } };
    expect(last.error?.code).toBe(502);
    expect(rejections).toEqual([]);
    expect(await requestRows(s)).toHaveLength(1);
    expect(
      (await fetch(`${s.url}/v1beta/models`, { headers: { 'x-goog-api-key': clientToken } })).status,
    ).toBeLessThan(500);
  });
});
