import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { clientToken, generateBody, post, type Stack, startStack, useStacks } from './helpers/start-stack.js';

// Issue 8, deliverable 3: settings change through /api/config and apply to the next request,
// without a restart; saved values outlive a restart; DELETE returns to the environment's value.

const adminToken = 'admin-token-for-tests';
const auth = { 'x-goog-api-key': clientToken };
const start = useStacks();

interface SettingView {
  name: string;
  value: unknown;
  source: 'default' | 'env' | 'saved';
  live: boolean;
  applies: string;
  secret: boolean;
  description: string;
}

async function admin(s: Stack, method: string, path: string, body?: unknown, token = adminToken) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

async function config(s: Stack): Promise<Map<string, SettingView>> {
  const { status, text } = await admin(s, 'GET', '/api/config');
  expect(status).toBe(200);
  const { settings } = JSON.parse(text) as { settings: SettingView[] };
  return new Map(settings.map((setting) => [setting.name, setting]));
}

const putConfig = (s: Stack, values: Record<string, unknown>) => admin(s, 'PUT', '/api/config', { values });

function generate(s: Stack, model: string, headers: Record<string, string> = auth) {
  return post(`${s.url}/v1beta/models/${model}:generateContent`, generateBody('hello'), headers);
}

/** The keys of the generation calls the fake received (probes and model lists left out). */
const generationKeys = (fake: FakeUpstream) =>
  fake.requests.filter((request) => request.method === 'POST').map((request) => request.key);

async function listedModels(s: Stack): Promise<string[]> {
  const response = await fetch(`${s.url}/v1beta/models`, { headers: auth });
  const { models } = (await response.json()) as { models: { name: string }[] };
  return models.map((model) => model.name.replace(/^models\//, ''));
}

interface KeyView {
  id: string;
  models: { model: string; restingUntil: string | null }[];
}

async function keys(s: Stack): Promise<Map<string, KeyView>> {
  const { text } = await admin(s, 'GET', '/api/keys');
  return new Map((JSON.parse(text) as { items: KeyView[] }).items.map((key) => [key.id, key]));
}

const restOf = (view: KeyView | undefined, model: string) =>
  view?.models.find((entry) => entry.model === model)?.restingUntil ?? null;

/** Upstream calls one request makes when every key meets Google's own trouble. */
async function attemptsOnTrouble(s: Stack, keyList: readonly string[]): Promise<number> {
  s.fake.reset();
  for (const key of keyList) s.fake.script(key, 'overloaded');
  const response = await generate(s, 'gemini-2.5-pro');
  expect(response.status).toBe(503);
  const calls = generationKeys(s.fake).length;
  s.fake.reset();
  return calls;
}

describe('live configuration', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('API_KEYS, MAX_RETRIES and FILTERED_MODELS apply to the next request, keep a resting key resting, outlive a restart, and DELETE brings back the environment', async () => {
    const cooling = 'quota-minute-cooling-key-01';
    const leaving = 'ok-bravo-leaving-key-01';
    const arriving = 'ok-charlie-arriving-key-01';
    const folder = mkdtempSync(join(tmpdir(), 'gemgate-live-config-'));
    folders.push(folder);
    const environment = {
      API_KEYS: `${cooling},${leaving}`,
      MAX_RETRIES: '2',
      // Google's trouble never rests a key here, so each request below meets the same pool.
      MAX_FAILURES: '100',
      SQLITE_DATABASE: join(folder, 'gemgate.db'),
    };
    // The quota rest lasts ten minutes: long enough to outlive the restart below.
    const fakeOptions = { retryDelaySeconds: 600 };

    const first = await startStack(environment, fakeOptions);
    let restingUntil: string | null;
    try {
      expect(await attemptsOnTrouble(first, [cooling, leaving])).toBe(2);
      expect(await listedModels(first)).toContain('gemini-2.5-pro');
      // The first key answers with a per-minute quota: it rests for this model, the other serves.
      expect((await generate(first, 'gemini-2.5-flash')).status).toBe(200);
      expect(generationKeys(first.fake)).toEqual([cooling, leaving]);
      restingUntil = restOf((await keys(first)).get(createKeyIdentity(cooling).id), 'gemini-2.5-flash');
      expect(restingUntil).not.toBeNull();

      const saved = await putConfig(first, {
        API_KEYS: [cooling, arriving],
        MAX_RETRIES: 1,
        FILTERED_MODELS: ['gemini-2.5-pro'],
      });
      expect(saved.status).toBe(200);
      expect(saved.text).not.toContain(arriving);

      const pool = await keys(first);
      expect([...pool.keys()].sort()).toEqual(
        [createKeyIdentity(cooling).id, createKeyIdentity(arriving).id].sort(),
      );
      expect(restOf(pool.get(createKeyIdentity(cooling).id), 'gemini-2.5-flash')).toBe(restingUntil);

      first.fake.reset();
      expect((await generate(first, 'gemini-2.5-flash')).status).toBe(200);
      expect(generationKeys(first.fake)).toEqual([arriving]);
      expect(await attemptsOnTrouble(first, [cooling, arriving])).toBe(1);
      expect(await listedModels(first)).not.toContain('gemini-2.5-pro');

      const settings = await config(first);
      expect(settings.get('MAX_RETRIES')).toMatchObject({ value: 1, source: 'saved', live: true });
      expect(settings.get('FILTERED_MODELS')).toMatchObject({ value: ['gemini-2.5-pro'], source: 'saved' });
      expect(settings.get('API_KEYS')).toMatchObject({ source: 'saved', secret: true });
      expect(JSON.stringify(settings.get('API_KEYS'))).not.toContain(arriving);
    } finally {
      await first.close();
    }

    const second = await startStack(environment, fakeOptions);
    try {
      const settings = await config(second);
      expect(settings.get('MAX_RETRIES')).toMatchObject({ value: 1, source: 'saved' });
      expect(settings.get('FILTERED_MODELS')).toMatchObject({ value: ['gemini-2.5-pro'], source: 'saved' });
      const pool = await keys(second);
      expect(pool.has(createKeyIdentity(leaving).id)).toBe(false);
      expect(pool.has(createKeyIdentity(arriving).id)).toBe(true);
      expect(restOf(pool.get(createKeyIdentity(cooling).id), 'gemini-2.5-flash')).toBe(restingUntil);
      expect(await attemptsOnTrouble(second, [cooling, arriving])).toBe(1);
      expect(await listedModels(second)).not.toContain('gemini-2.5-pro');

      const forgotten = await admin(second, 'DELETE', '/api/config/MAX_RETRIES');
      expect(forgotten.status).toBe(200);
      expect(JSON.parse(forgotten.text)).toMatchObject({
        forgotten: true,
        setting: { name: 'MAX_RETRIES', value: 2, source: 'env' },
      });
      expect(await attemptsOnTrouble(second, [cooling, arriving])).toBe(2);
      expect((await admin(second, 'DELETE', '/api/config/FILTERED_MODELS')).status).toBe(200);
      expect((await config(second)).get('FILTERED_MODELS')).toMatchObject({ source: 'default' });
      expect(await listedModels(second)).toContain('gemini-2.5-pro');
    } finally {
      await second.close();
    }
  });

  it('lists every setting with its value, source, whether it applies live, and its description; secrets masked', async () => {
    const s = await start({ MAX_RETRIES: '4' });
    const settings = await config(s);
    expect(settings.get('MAX_RETRIES')).toMatchObject({ value: 4, source: 'env', live: true });
    expect(settings.get('TEST_MODEL')).toMatchObject({ value: 'gemini-2.5-flash-lite', source: 'default' });
    expect(settings.get('PORT')).toMatchObject({ live: false, applies: 'restart needed' });
    expect(settings.get('BASE_URL')?.value).toBe(s.fake.url);
    expect(settings.get('API_KEYS')?.value).toEqual(['ok-a…-key', 'ok-b…-key', 'ok-c…-key']);
    expect(settings.get('AUTH_TOKEN')).toMatchObject({ value: 'admi…ests', secret: true, live: false });
    for (const setting of settings.values()) expect(setting.description).not.toBe('');

    const added = 'ok-delta-saved-key-0123456789';
    const saved = await putConfig(s, { API_KEYS: ['ok-alpha-default-key', added] });
    expect(JSON.parse(saved.text)).toMatchObject({
      settings: [{ name: 'API_KEYS', value: ['ok-a…-key', 'ok-d…6789'], source: 'saved' }],
    });
    expect((await config(s)).get('API_KEYS')?.value).toEqual(['ok-a…-key', 'ok-d…6789']);
    expect((await admin(s, 'GET', '/api/config', undefined, 'wrong-token')).status).toBe(401);
    expect((await fetch(`${s.url}/api/config`)).status).toBe(401);
  });

  it('validates all values before saving any: a 400 names each bad setting and why, never a secret', async () => {
    const s = await start();
    const secretLike = 'ok-pasted secret-key-0123456789';
    const { status, text } = await putConfig(s, {
      MAX_RETRIES: 0,
      API_KEYS: ['ok-fine-key-0123456789', secretLike],
      PORT: 9000,
      AUTH_TOKEN: 'a-new-admin-token-0123456789',
      [secretLike]: 'x',
      TEST_MODEL: 'gemini-2.5-pro',
      POOL_WAIT_SECONDS: null,
    });
    expect(status).toBe(400);
    const { error } = JSON.parse(text) as { error: { code: number; message: string; problems: unknown[] } };
    expect(error.code).toBe(400);
    expect(error.problems).toEqual([
      { name: 'POOL_WAIT_SECONDS', message: expect.stringMatching(/^null is not a value/) },
    ]);
    for (const secret of [secretLike, 'a-new-admin-token']) expect(text).not.toContain(secret);

    const second = await putConfig(s, {
      MAX_RETRIES: 0,
      API_KEYS: ['ok-fine-key-0123456789', secretLike],
      PORT: 9000,
      AUTH_TOKEN: 'a-new-admin-token-0123456789',
      [secretLike]: 'x',
      TEST_MODEL: 'gemini-2.5-pro',
    });
    expect(second.status).toBe(400);
    const problems = (JSON.parse(second.text) as { error: { problems: { name: string; message: string }[] } })
      .error.problems;
    expect(problems).toEqual([
      { name: 'MAX_RETRIES', message: 'expected a whole number from 1 to 100' },
      { name: 'API_KEYS', message: expect.stringMatching(/^entry 2 /) },
      { name: 'PORT', message: expect.stringMatching(/^restart needed/) },
      { name: 'AUTH_TOKEN', message: expect.stringMatching(/^restart needed/) },
      { name: '?', message: expect.stringMatching(/not repeated/) },
    ]);
    for (const secret of [secretLike, 'a-new-admin-token']) expect(second.text).not.toContain(secret);
    // Nothing was saved, not even the valid TEST_MODEL.
    expect((await config(s)).get('TEST_MODEL')).toMatchObject({ source: 'default' });
    expect((await admin(s, 'DELETE', '/api/config/NOT_A_SETTING')).status).toBe(404);
    expect((await admin(s, 'PUT', '/api/config', { values: {} })).status).toBe(400);
  });

  it('ALLOWED_TOKENS applies to the next request', async () => {
    const s = await start();
    expect((await putConfig(s, { ALLOWED_TOKENS: ['sk-the-new-client-token'] })).status).toBe(200);
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(403);
    const fresh = await generate(s, 'gemini-2.5-flash', { 'x-goog-api-key': 'sk-the-new-client-token' });
    expect(fresh.status).toBe(200);
  });

  it('KEY_RATE_LIMITS and MAX_FAILURES apply to the next request', async () => {
    const s = await start({ API_KEYS: 'ok-only-limited-key-01' });
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    expect((await putConfig(s, { KEY_RATE_LIMITS: { 'gemini-2.5-flash': { rpm: 2 } } })).status).toBe(200);
    // The request before the change counts: one more, then the key is held back for the minute.
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(429);
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(200);
    expect((await admin(s, 'DELETE', '/api/config/KEY_RATE_LIMITS')).status).toBe(200);
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);

    // Google's trouble twice in a row rests the key once MAX_FAILURES is 2 (3 by default).
    expect((await putConfig(s, { MAX_FAILURES: 2, MAX_RETRIES: 1 })).status).toBe(200);
    s.fake.script('ok-only-limited-key-01', ['overloaded', 'overloaded', 'ok']);
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(503);
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(503);
    const resting = await generate(s, 'gemini-2.5-pro');
    expect(resting.status).toBe(429);
  });

  it('probes and the log level follow their settings', async () => {
    const s = await start();
    expect((await putConfig(s, { TEST_MODEL: 'gemini-2.5-pro', LOG_LEVEL: 'WARNING' })).status).toBe(200);
    const lines = s.logLines.length;
    const verified = await admin(s, 'POST', '/api/keys/verify', {
      ids: [createKeyIdentity('ok-alpha-default-key').id],
    });
    expect(verified.status).toBe(202);
    await expect.poll(() => s.fake.requests.length).toBe(1);
    expect(s.fake.requests.map((request) => request.url)).toEqual(['/v1beta/models/gemini-2.5-pro']);
    // At LOG_LEVEL trace each request had its "incoming request" line; at warning it has none.
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    expect(s.logLines.slice(lines).join('')).not.toContain('incoming request');
    expect((await config(s)).get('LOG_LEVEL')).toMatchObject({ value: 'warn', source: 'saved' });
  });

  it('BASE_URL builds a new upstream client; a call in flight on the old one finishes first', async () => {
    const s = await start({ API_KEYS: 'slow-only-key-0123456789' }, { slowMs: 500 });
    const other = await createFakeUpstream();
    try {
      const inFlight = generate(s, 'gemini-2.5-flash');
      // The slow call has reached the first upstream before the change.
      await expect.poll(() => s.fake.requests.length).toBe(1);
      expect((await putConfig(s, { BASE_URL: `${other.url}/v1beta` })).status).toBe(200);
      expect((await inFlight).status).toBe(200);
      expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
      expect(s.fake.requests.length).toBe(1);
      expect(generationKeys(other)).toEqual(['slow-only-key-0123456789']);
    } finally {
      await other.close();
    }
  });
});
