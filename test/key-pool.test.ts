import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { createFakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import type { FakeBehaviour } from '../src/fake-upstream/fake-behaviour.js';
import { nextPacificMidnight } from '../src/keypool/next-pacific-midnight.js';
import { startGateway } from '../src/start-gateway.js';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

const adminToken = 'admin-token-for-tests';
const auth = { 'x-goog-api-key': clientToken };
const start = useStacks();
const id = (secret: string) => createKeyIdentity(secret).id;

interface KeyJson {
  id: string;
  masked: string;
  source: string;
  status: 'active' | 'disabled';
  disabled: { reason: string; since: string } | null;
  lastError: { status: number | null; type: string; message: string; at: string } | null;
  models: { model: string; restingUntil: string | null; reason: string | null; softFailures: number }[];
  usage: {
    requests: number;
    failures: number;
    models: Record<string, { thisMinute: number; today: number }>;
  };
}

async function admin(s: Stack, method: string, path: string, body?: unknown) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function keyState(s: Stack, secret: string): Promise<KeyJson> {
  return (await admin(s, 'GET', `/api/keys/${id(secret)}`)).json as unknown as KeyJson;
}

/** The verification job once it has finished. */
async function finishedJob(s: Stack, jobId: string) {
  await expect
    .poll(async () => (await admin(s, 'GET', `/api/jobs/${jobId}`)).json.state, { timeout: 5000 })
    .not.toBe('running');
  return (await admin(s, 'GET', `/api/jobs/${jobId}`)).json;
}

function generate(s: Stack, model = 'gemini-2.5-flash', headers: Record<string, string> = auth) {
  return post(`${s.url}/v1beta/models/${model}:generateContent`, generateBody('hello'), headers);
}

describe('classification through the relay: what each upstream answer does to the key and the request', () => {
  it.each<[FakeBehaviour, Partial<KeyJson>, Partial<KeyJson['models'][number]> | undefined]>([
    [
      'invalid',
      { status: 'disabled', disabled: { reason: 'invalid', since: expect.any(String) } },
      undefined,
    ],
    [
      'suspended',
      { status: 'disabled', disabled: { reason: 'suspended', since: expect.any(String) } },
      undefined,
    ],
    // A probe cannot see a failed precondition: the key rests for the model, confirmed by k-b serving.
    ['precondition', { status: 'active', disabled: null }, { reason: 'precondition' }],
    ['quota-day', { status: 'active' }, { reason: 'day' }],
    ['quota-minute', { status: 'active' }, { reason: 'minute' }],
    ['quota-unknown', { status: 'active' }, { reason: 'unknown' }],
    ['overloaded', { status: 'active' }, { reason: null, restingUntil: null, softFailures: 1 }],
    ['internal', { status: 'active' }, { reason: null, restingUntil: null, softFailures: 1 }],
    ['deadline', { status: 'active' }, { reason: null, restingUntil: null, softFailures: 1 }],
    ['reset', { status: 'active' }, { reason: null, restingUntil: null, softFailures: 1 }],
  ])('%s: retried on another key; the key ends up %j', async (behaviour, expected, model) => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    s.fake.script('k-a', behaviour);
    expect((await generate(s)).status).toBe(200);
    // A refusal of the key is confirmed by a probe (GET, no generation quota) before it counts.
    const probed = behaviour === 'invalid' || behaviour === 'suspended';
    expect(s.fake.requests.map((request) => `${request.method} ${request.key}`)).toEqual(
      probed ? ['POST k-a', 'GET k-a', 'POST k-b'] : ['POST k-a', 'POST k-b'],
    );
    const state = await keyState(s, 'k-a');
    expect(state).toMatchObject(expected);
    expect(state.lastError?.type).toBeTruthy();
    if (model) expect(state.models.find((entry) => entry.model === 'gemini-2.5-flash')).toMatchObject(model);
    else expect(state.models).toEqual([]);
  });

  it('parks a per-day-limited key until the next midnight in Los Angeles', async () => {
    const s = await start({ API_KEYS: 'quota-day-1,k-b' });
    await generate(s);
    const resting = (await keyState(s, 'quota-day-1')).models[0]?.restingUntil ?? '';
    const midnight = nextPacificMidnight(Date.now());
    expect(Date.parse(resting)).toBeGreaterThanOrEqual(midnight);
    expect(Date.parse(resting)).toBeLessThan(midnight + 11 * 60_000);
  });

  it('rests a per-minute-limited key for the RetryInfo delay', async () => {
    const s = await start({ API_KEYS: 'quota-minute-1,k-b' }, { retryDelaySeconds: 40 });
    const before = Date.now();
    await generate(s);
    const resting = Date.parse((await keyState(s, 'quota-minute-1')).models[0]?.restingUntil ?? '');
    expect(resting - before).toBeGreaterThanOrEqual(40_000);
    expect(resting - before).toBeLessThan(46_000);
  });

  it('returns the client’s own error at once, unchanged, with no effect on the key', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    const response = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('x', { unknownField: 1 }),
      auth,
    );
    expect(response.status).toBe(400);
    expect(s.fake.requests).toHaveLength(1);
    expect(await keyState(s, 'k-a')).toMatchObject({ status: 'active', models: [], lastError: null });
  });

  it('counts a timeout before the first byte as Google’s trouble and retries', async () => {
    const s = await start({ API_KEYS: 'slow-1,k-b', TIME_OUT: '1' }, { slowMs: 2500 });
    expect((await generate(s)).status).toBe(200);
    expect((await keyState(s, 'slow-1')).models[0]).toMatchObject({ softFailures: 1, restingUntil: null });
  });

  it('does not retry a stream cut after its first byte, and notes it as Google’s trouble', async () => {
    const s = await start({ API_KEYS: 'drop-1,k-b' });
    const response = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      generateBody('cut'),
      auth,
    );
    // The in-band error, then an abnormal end, so no client takes the truncated text as complete.
    const { text, complete } = await readStream(response);
    expect(complete).toBe(false);
    expect(text.match(/Echo: cut/g)).toHaveLength(1);
    expect(text).toContain('"status":"UNAVAILABLE"');
    expect(s.fake.requests.map((request) => request.key)).toEqual(['drop-1']);
    expect(await keyState(s, 'drop-1')).toMatchObject({
      status: 'active',
      lastError: { type: 'stream-connection' },
    });
  });

  it('pauses before retrying after Google’s trouble', async () => {
    const fake = await createFakeUpstream();
    const directory = mkdtempSync(join(tmpdir(), 'gemgate-backoff-'));
    const gateway = await startGateway(
      parseSettings({
        API_KEYS: 'overloaded-1,k-b',
        ALLOWED_TOKENS: clientToken,
        BASE_URL: fake.url,
        SQLITE_DATABASE: join(directory, 'db'),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
      { troubleBackoffMs: 300, random: () => 0.5 },
    );
    try {
      const started = Date.now();
      const response = await post(
        `${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`,
        generateBody('x'),
        auth,
      );
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await gateway.close();
      await fake.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('a pool with no key left', () => {
  it('answers 429 with Retry-After and the model, without calling Google', async () => {
    const s = await start({ API_KEYS: 'k-a' }, { retryDelaySeconds: 7 });
    s.fake.script('k-a', 'quota-minute');
    const first = await generate(s);
    expect(first.status).toBe(429);
    // Never shorter than the rest the pool applies: Google's 7 s plus up to a tenth of jitter.
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(7);
    expect(Number(first.headers.get('retry-after'))).toBeLessThanOrEqual(8);
    const second = await generate(s);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(6);
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(8);
    const body = (await second.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toContain('gemini-2.5-flash');
    expect(s.fake.requests).toHaveLength(1);
    // Another model is another quota.
    s.fake.script('k-a', 'ok');
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(200);
  });

  it('waits up to POOL_WAIT_SECONDS for a resting key instead', async () => {
    const s = await start({ API_KEYS: 'k-a', POOL_WAIT_SECONDS: '5' }, { retryDelaySeconds: 1 });
    s.fake.script('k-a', ['quota-minute', 'ok']);
    const started = Date.now();
    expect((await generate(s)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(s.fake.requests.map((request) => request.key)).toEqual(['k-a', 'k-a']);
  });

  it('answers 429 when every key is disabled, with Retry-After at the next probe', async () => {
    const s = await start({ API_KEYS: 'invalid-1', CHECK_INTERVAL_HOURS: '1' });
    // Google's "API key not valid" is about the gateway's key, not the client's token.
    expect((await generate(s)).status).toBe(429);
    const response = await generate(s);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(3500);
    const body = (await response.json()) as { error: { message: string; details: unknown[] } };
    expect(body.error.message).toMatch(/every key is switched off\. Please retry in \d+s\.$/);
    expect(body.error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: expect.stringMatching(/^\d{4}s$/),
    });
    expect(s.fake.requests.map((request) => request.method)).toEqual(['POST', 'GET']);
  });

  it('stops at the operator’s own per-minute limit before Google says 429', async () => {
    const s = await start({ API_KEYS: 'k-a', KEY_RATE_LIMITS: '{"*": {"rpm": 2}}' });
    expect((await generate(s)).status).toBe(200);
    expect((await generate(s)).status).toBe(200);
    const third = await generate(s);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(s.fake.requests).toHaveLength(2);
  });
});

describe('pinning a request to a key', () => {
  it('serves an admin’s pinned request with that key only', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b,k-c' });
    const pinned = { 'x-goog-api-key': adminToken, 'x-gemgate-key-id': id('k-c') };
    for (let index = 0; index < 3; index++)
      expect((await generate(s, 'gemini-2.5-flash', pinned)).status).toBe(200);
    expect(s.fake.requests.map((request) => request.key)).toEqual(['k-c', 'k-c', 'k-c']);
    s.fake.script('k-c', 'overloaded');
    expect((await generate(s, 'gemini-2.5-flash', pinned)).status).toBe(503);
    expect(s.fake.requests.slice(3).every((request) => request.key === 'k-c')).toBe(true);
  });

  it('refuses pinning to a client token and to an unknown key', async () => {
    const s = await start({ API_KEYS: 'k-a' });
    expect((await generate(s, 'gemini-2.5-flash', { ...auth, 'x-gemgate-key-id': id('k-a') })).status).toBe(
      403,
    );
    const unknown = await generate(s, 'gemini-2.5-flash', {
      'x-goog-api-key': adminToken,
      'x-gemgate-key-id': 'ffffffffffffffff',
    });
    expect(unknown.status).toBe(404);
    expect(s.fake.requests).toHaveLength(0);
  });
});

describe('recovery', () => {
  it('brings a refused key back when a probe succeeds, using no generation call', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b' });
    s.fake.script('k-a', 'invalid');
    await generate(s);
    expect((await keyState(s, 'k-a')).status).toBe('disabled');
    const failed = await admin(s, 'POST', `/api/keys/${id('k-a')}/verify`);
    expect(failed).toMatchObject({ status: 202, json: { jobId: expect.any(String), total: 1 } });
    expect(await finishedJob(s, failed.json.jobId as string)).toMatchObject({
      state: 'done',
      results: { serves: 0, refused: 1, unknown: 0 },
      problems: [{ id: id('k-a'), ok: false, status: 400, errorType: 'invalid-key' }],
    });
    s.fake.script('k-a', 'ok');
    const verified = await admin(s, 'POST', '/api/keys/verify', { ids: [id('k-a')] });
    expect(await finishedJob(s, verified.json.jobId as string)).toMatchObject({
      results: { serves: 1, refused: 0, unknown: 0 },
      problems: [],
    });
    expect(s.fake.lastRequest()).toMatchObject({
      method: 'GET',
      url: '/v1beta/models/gemini-2.5-flash-lite',
    });
    expect((await keyState(s, 'k-a')).status).toBe('active');
  });

  it('probes refused keys on the CHECK_INTERVAL_HOURS schedule', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b', CHECK_INTERVAL_HOURS: '0.0003' });
    // The generation call and the probe that confirms it find the key suspended; the next probe not.
    s.fake.script('k-a', ['suspended', 'suspended', 'ok']);
    await generate(s);
    expect((await keyState(s, 'k-a')).status).toBe('disabled');
    await expect
      .poll(async () => (await keyState(s, 'k-a')).status, { timeout: 5000, interval: 200 })
      .toBe('active');
    expect(
      s.fake.requests.filter((request) => request.key === 'k-a').map((request) => request.method),
    ).toEqual(['POST', 'GET', 'GET']);
  });

  it('lets a resting key serve again once its rest is over', async () => {
    const s = await start({ API_KEYS: 'k-a' }, { retryDelaySeconds: 1 });
    s.fake.script('k-a', ['quota-minute', 'ok']);
    expect((await generate(s)).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect((await generate(s)).status).toBe(200);
  });
});

describe('state across a restart', () => {
  it('keeps refused keys refused, rests, counters and keys added at run time', async () => {
    const fake = await createFakeUpstream({ retryDelaySeconds: 600 });
    const directory = mkdtempSync(join(tmpdir(), 'gemgate-restart-'));
    const settings = parseSettings({
      API_KEYS: 'invalid-1,quota-minute-1,k-c',
      ALLOWED_TOKENS: clientToken,
      AUTH_TOKEN: adminToken,
      BASE_URL: fake.url,
      SQLITE_DATABASE: join(directory, 'gemgate.db'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    try {
      const first = await startGateway(settings, { troubleBackoffMs: 5 });
      const firstStack = { url: first.url } as Stack;
      for (let index = 0; index < 3; index++) await generate(firstStack);
      await admin(firstStack, 'POST', '/api/keys', { keys: ['runtime-key-1'] });
      const before = (await admin(firstStack, 'GET', '/api/keys')).json.items as KeyJson[];
      await first.close();

      const callsBefore = fake.requests.length;
      const second = await startGateway(settings, { troubleBackoffMs: 5 });
      const secondStack = { url: second.url } as Stack;
      const after = (await admin(secondStack, 'GET', '/api/keys')).json.items as KeyJson[];
      expect(after.map((key) => key.id)).toEqual(before.map((key) => key.id));
      expect(after.find((key) => key.id === id('invalid-1'))).toMatchObject({ status: 'disabled' });
      expect(after.find((key) => key.id === id('quota-minute-1'))?.models[0]?.reason).toBe('minute');
      expect(after.find((key) => key.id === id('runtime-key-1'))).toMatchObject({ source: 'runtime' });
      expect(after.find((key) => key.id === id('k-c'))?.usage.requests).toBe(
        before.find((key) => key.id === id('k-c'))?.usage.requests,
      );
      // The refused and resting keys are not called again after the restart.
      for (let index = 0; index < 4; index++) expect((await generate(secondStack)).status).toBe(200);
      expect(
        fake.requests
          .slice(callsBefore)
          .map((request) => request.key)
          .sort(),
      ).toEqual(['k-c', 'k-c', 'runtime-key-1', 'runtime-key-1']);
      await second.close();
    } finally {
      await fake.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('operator API', () => {
  it('needs the admin token', async () => {
    const s = await start({ API_KEYS: 'k-a' });
    expect((await fetch(`${s.url}/api/keys`)).status).toBe(401);
    expect(
      (await fetch(`${s.url}/api/keys`, { headers: { authorization: `Bearer ${clientToken}` } })).status,
    ).toBe(401);
  });

  it('lists keys by id and mask with usage, and reveals a key only when asked', async () => {
    const secret = 'AIzaSyFAKEfakeFAKEfakeFAKEfakeFAKE00042';
    const s = await start({ API_KEYS: `${secret},k-b` });
    await generate(s);
    const listed = await admin(s, 'GET', '/api/keys');
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    expect(listed.json.counts).toEqual({ total: 2, active: 2, resting: 0, disabled: 0, refused: 0 });
    const first = (listed.json.items as KeyJson[]).find((key) => key.id === id(secret));
    expect(first).toMatchObject({
      id: id(secret),
      masked: 'AIza…0042',
      source: 'settings',
      usage: { requests: 1, failures: 0, models: { 'gemini-2.5-flash': { thisMinute: 1, today: 1 } } },
    });
    // The one answer that must hold a key goes around the secret scan's recording proxy.
    expect((await admin({ ...s, url: s.directUrl }, 'GET', `/api/keys/${id(secret)}/secret`)).json).toEqual({
      id: id(secret),
      key: secret,
    });
    expect((await admin(s, 'GET', '/api/keys/ffffffffffffffff')).status).toBe(404);
  });

  it('disables, enables and clears rests for one key, a selection, or all', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b,k-c' }, { retryDelaySeconds: 100 });
    expect((await admin(s, 'POST', `/api/keys/${id('k-a')}/disable`)).json).toEqual({
      disabled: [id('k-a')],
    });
    expect((await admin(s, 'POST', '/api/keys/disable', { ids: [id('k-b'), id('k-c')] })).json).toEqual({
      disabled: [id('k-b'), id('k-c')],
    });
    expect((await generate(s)).status).toBe(429);
    expect(s.fake.requests).toHaveLength(0);
    expect((await admin(s, 'POST', '/api/keys/enable', { all: true })).json).toEqual({
      enabled: [id('k-a'), id('k-b'), id('k-c')],
    });
    for (const key of ['k-a', 'k-b', 'k-c']) s.fake.script(key, 'quota-minute');
    expect((await generate(s)).status).toBe(429);
    expect((await admin(s, 'GET', '/api/keys')).json.counts).toMatchObject({ resting: 3 });
    for (const key of ['k-a', 'k-b', 'k-c']) s.fake.script(key, 'ok');
    await admin(s, 'POST', '/api/keys/clear-cooldown', { all: true, model: 'gemini-2.5-flash' });
    expect((await generate(s)).status).toBe(200);
    expect((await admin(s, 'POST', '/api/keys/enable', { ids: [] })).status).toBe(400);
    expect((await admin(s, 'POST', '/api/keys/enable', { everything: true })).status).toBe(400);
  });

  it('adds and removes keys at run time, keeping the state of keys that stay', async () => {
    const s = await start({ API_KEYS: 'k-a,invalid-1' });
    await generate(s);
    await generate(s);
    const added = await admin(s, 'POST', '/api/keys', { keys: 'k-new-key-0001, k-new-key-0002\nk-a' });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      added: [
        { id: id('k-new-key-0001'), masked: 'k-ne…0001' },
        { id: id('k-new-key-0002'), masked: 'k-ne…0002' },
      ],
      alreadyPresent: [id('k-a')],
    });
    const removed = await admin(s, 'POST', '/api/keys/remove', { ids: [id('k-a'), id('k-new-key-0002')] });
    expect(removed.json).toEqual({
      removed: [id('k-a'), id('k-new-key-0002')],
      returnsOnRestart: [id('k-a')],
    });
    expect((await admin(s, 'DELETE', `/api/keys/${id('k-new-key-0002')}`)).status).toBe(404);
    const keys = (await admin(s, 'GET', '/api/keys')).json.items as KeyJson[];
    expect(keys.map((key) => [key.id, key.status])).toEqual(
      [
        [id('invalid-1'), 'disabled'],
        [id('k-new-key-0001'), 'active'],
      ].sort(),
    );
    expect((await generate(s)).status).toBe(200);
    expect(s.fake.lastRequest()?.key).toBe('k-new-key-0001');
  });
});
