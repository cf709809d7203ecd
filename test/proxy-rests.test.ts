import { afterEach, describe, expect, it } from 'vitest';
import { describeOutboundProxy } from '../src/config/parse-outbound-proxies.js';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { createGeminiClient } from '../src/upstream/gemini-client.js';
import { createProxyRests } from '../src/upstream/proxy-rests.js';
import { keysFor, startHttpProxy, type TestProxy } from './helpers/outbound-proxies.js';
import {
  clientToken,
  generate,
  generateBody,
  generateMany,
  post,
  type Stack,
  useStacks,
} from './helpers/start-stack.js';

// An address-wide rate limit behind one outbound proxy, end to end: the gateway, real HTTP proxies
// on local ports, and the fake upstream. Google as seen from proxy P1's address is a second fake
// upstream, where P1's tunnels end, that answers every key with a per-minute 429 (RESOURCE_EXHAUSTED,
// QuotaFailure, RetryInfo) as Google does; through P2 the usual fake answers.

const start = useStacks();
const adminToken = 'admin-token-for-tests';
const retryDelaySeconds = 2;
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((part) => part.close()));
});
const track = <T extends { close(): Promise<void> }>(part: T): T => {
  opened.push(part);
  return part;
};

/** Google as seen from a limited address: every key answered with a per-minute 429 until lifted. */
async function startLimitedGoogle(keys: readonly string[]): Promise<{ fake: FakeUpstream; lift(): void }> {
  const fake = track(await createFakeUpstream({ retryDelaySeconds }));
  for (const key of keys) fake.script(key, 'quota-minute');
  return {
    fake,
    lift: () => {
      for (const key of keys) fake.script(key, 'ok');
    },
  };
}

async function admin(s: Stack, method: string, path: string) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return { status: response.status, text: await response.text() };
}

interface ProxyItem {
  readonly proxy: string;
  readonly rest: { since: string; until: string; keys: number; reason: string } | null;
}

async function proxyStates(s: Stack): Promise<{ text: string; proxies: ProxyItem[] }> {
  const { status, text } = await admin(s, 'GET', '/api/proxies');
  expect(status).toBe(200);
  return { text, proxies: (JSON.parse(text) as { proxies: ProxyItem[] }).proxies };
}

/** The ids of the keys resting for some model now, from GET /api/keys. */
async function restingKeys(s: Stack): Promise<string[]> {
  const { status, text } = await admin(s, 'GET', '/api/keys');
  expect(status).toBe(200);
  const { items } = JSON.parse(text) as {
    items: { id: string; status: string; models: { restingUntil: string | null }[] }[];
  };
  return items
    .filter(
      (item) =>
        item.status !== 'active' ||
        item.models.some((model) => model.restingUntil && Date.parse(model.restingUntil) > Date.now()),
    )
    .map((item) => item.id);
}

const idOf = (key: string) => createKeyIdentity(key).id;
const generationKeys = (fake: FakeUpstream) =>
  fake.requests.filter((request) => request.method === 'POST').map((request) => request.key);

/** Waits until `proxy` rests no more (GET /api/proxies), at most `limitMs`. */
async function untilBack(s: Stack, proxy: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const { proxies } = await proxyStates(s);
    if (proxies.find((item) => item.proxy === proxy)?.rest === null) return;
    if (Date.now() > deadline) throw new Error(`${proxy} still rests`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a proxy whose address Google rate-limits (PROXY_RATE_LIMIT_KEYS)', () => {
  it('rests the proxy, not the keys: their calls go by the next proxy, the client sees no 429, and the proxy returns after its rest', async () => {
    const viaP1 = keysFor(0, 4, 2, 'rest');
    const viaP2 = keysFor(1, 2, 2, 'rest');
    const limited = await startLimitedGoogle(viaP1);
    const p1: TestProxy = track(
      await startHttpProxy({
        user: 'p1-user',
        password: 'p1-proxy-secret',
        tunnelTo: new URL(limited.fake.url).host,
      }),
    );
    const p2 = track(await startHttpProxy());
    const s = await start({
      API_KEYS: [...viaP1, ...viaP2].join(','),
      PROXIES: `${p1.url},${p2.url}`,
    });

    // The first request meets three of P1's keys limited in a row; the third rests P1, and the
    // request is served by a key whose calls now go by P2. The client hears none of it.
    expect(await generateMany(s, 10)).toEqual(Array(10).fill(200));
    const limitedCalls = generationKeys(limited.fake);
    expect(limitedCalls).toHaveLength(3);
    expect(new Set(limitedCalls).size).toBe(3);
    for (const key of limitedCalls) expect(viaP1).toContain(key);
    expect(limited.fake.requests.every((request) => request.status === 429)).toBe(true);
    // Every key serves: the 429s were P1's address's, not theirs.
    expect(await restingKeys(s)).toEqual([]);
    // P1's keys went by P2 meanwhile, and P1 carried no call since its rest began.
    expect([...p1.keysSeen()].sort()).toEqual([...limitedCalls].sort());
    const detoured = new Set(p2.keysSeen());
    for (const key of viaP1) expect(detoured).toContain(key);

    const { text, proxies } = await proxyStates(s);
    expect(proxies.map((item) => item.proxy)).toEqual([p1.label, p2.label]);
    const rest = proxies[0]?.rest;
    expect(rest?.keys).toBe(3);
    const untilMs = Date.parse(rest?.until ?? '');
    expect(untilMs - Date.now()).toBeGreaterThan(0);
    expect(untilMs - Date.parse(rest?.since ?? '')).toBeLessThanOrEqual(retryDelaySeconds * 1000 + 100);
    expect(proxies[1]?.rest).toBeNull();
    expect(text).not.toContain('p1-proxy-secret');
    expect(text).not.toContain('p1-user');

    // A log line names P1 by its label, never its credentials; the metric counts one rest.
    const logs = s.logLines.join('');
    const line = s.logLines.find((entry) => entry.includes('outbound proxy rate-limited'));
    expect(line).toContain(p1.label);
    expect(logs).not.toContain('p1-proxy-secret');
    const metrics = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(await metrics.text()).toMatch(/^gemgate_proxy_rests_total 1$/m);

    // Google lifts the limit; once P1's rest is over, P1's keys go by P1 again.
    limited.lift();
    await untilBack(s, p1.label, 5_000);
    expect(await generateMany(s, 6)).toEqual(Array(6).fill(200));
    expect(p1.keysSeen().length).toBeGreaterThan(limitedCalls.length);
    expect(generationKeys(limited.fake).length).toBeGreaterThan(3);
    expect(await restingKeys(s)).toEqual([]);
  });

  it('with one proxy: no key is blamed, and the client hears 429 in its own protocol until the proxy is back', async () => {
    const keys = [
      'ok-lone-proxy-alpha-key-0123',
      'ok-lone-proxy-bravo-key-4567',
      'ok-lone-proxy-charlie-89ab',
    ];
    const limited = await startLimitedGoogle(keys);
    const proxy = track(
      await startHttpProxy({
        user: 'lone-user',
        password: 'lone-proxy-secret',
        tunnelTo: new URL(limited.fake.url).host,
      }),
    );
    const s = await start({ API_KEYS: keys.join(','), PROXIES: proxy.url });

    const first = await generate(s);
    const text = await first.text();
    expect(first.status).toBe(429);
    expect(generationKeys(limited.fake)).toHaveLength(3);
    const retryAfter = Number(first.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(retryDelaySeconds + 1);
    const body = JSON.parse(text) as {
      error: { code: number; status: string; message: string; details: { '@type': string }[] };
    };
    expect(body.error.code).toBe(429);
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toContain('outbound proxies');
    expect(body.error.message).toContain('Please retry in');
    expect(body.error.details.map((detail) => detail['@type'])).toContain(
      'type.googleapis.com/google.rpc.RetryInfo',
    );
    // The client learns nothing of the proxy: not its address, not its credentials.
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('lone-proxy-secret');
    expect(await restingKeys(s)).toEqual([]);

    // While it rests, nothing is sent: an OpenAI client hears the same in OpenAI's shape.
    const chat = await post(
      `${s.url}/v1/chat/completions`,
      JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
      { authorization: `Bearer ${clientToken}` },
    );
    const chatBody = (await chat.json()) as { error: { message: string; type: string } };
    expect(chat.status).toBe(429);
    expect(chat.headers.get('retry-after')).not.toBeNull();
    expect(chatBody.error.message).toContain('outbound proxies');
    expect(generationKeys(limited.fake)).toHaveLength(3);

    await s.gateway.logWriter.flush();
    const errors = await s.gateway.database.db.selectFrom('error_log').selectAll().execute();
    expect(errors.map((row) => row.error_type)).toEqual([
      'quota-minute',
      'quota-minute',
      'quota-minute',
      'proxies-resting',
      'proxies-resting',
    ]);

    limited.lift();
    await untilBack(s, proxy.label, 5_000);
    expect(await generateMany(s, 3)).toEqual([200, 200, 200]);
  });

  it('with one proxy and POOL_WAIT_SECONDS: the request waits for the proxy and is served by the keys it tried', async () => {
    const keys = [
      'ok-waiting-proxy-alpha-key-01',
      'ok-waiting-proxy-bravo-key-23',
      'ok-waiting-proxy-charlie-45',
    ];
    const fake = track(await createFakeUpstream({ retryDelaySeconds }));
    // Each key is limited once from the proxy's address; the limit lifts by the time it is over.
    for (const key of keys) fake.script(key, ['quota-minute', 'ok']);
    const proxy = track(await startHttpProxy({ tunnelTo: new URL(fake.url).host }));
    const s = await start({ API_KEYS: keys.join(','), PROXIES: proxy.url, POOL_WAIT_SECONDS: '5' });

    const startedMs = Date.now();
    expect(await generateMany(s, 1)).toEqual([200]);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(retryDelaySeconds * 1000 - 100);
    const statuses = fake.requests
      .filter((request) => request.method === 'POST')
      .map((request) => request.status);
    expect(statuses).toEqual([429, 429, 429, 200]);
    expect(await restingKeys(s)).toEqual([]);
  });

  it('blames the keys as before with PROXY_RATE_LIMIT_KEYS=0', async () => {
    const viaP1 = keysFor(0, 3, 2, 'off');
    const viaP2 = keysFor(1, 1, 2, 'off');
    const limited = await startLimitedGoogle(viaP1);
    const p1 = track(await startHttpProxy({ tunnelTo: new URL(limited.fake.url).host }));
    const p2 = track(await startHttpProxy());
    const s = await start({
      API_KEYS: [...viaP1, ...viaP2].join(','),
      PROXIES: `${p1.url},${p2.url}`,
      PROXY_RATE_LIMIT_KEYS: '0',
    });
    expect(await generateMany(s, 4)).toEqual([200, 200, 200, 200]);
    expect(new Set(await restingKeys(s))).toEqual(new Set(viaP1.map(idOf)));
    expect((await proxyStates(s)).proxies.map((item) => item.rest)).toEqual([null, null]);
    expect(p2.keysSeen().every((key) => key === viaP2[0])).toBe(true);
  });

  it('lists no proxies without PROXIES, to the operator only', async () => {
    const s = await start({});
    expect(await generateMany(s, 2)).toEqual([200, 200]);
    expect(await proxyStates(s)).toEqual({ text: '{"proxies":[]}', proxies: [] });
    // An operator route: a client token is refused like no token.
    const asClient = await fetch(`${s.url}/api/proxies`, {
      headers: { authorization: `Bearer ${clientToken}` },
    });
    expect(asClient.status).toBe(401);
  });
});

describe('the upstream client with proxies resting', () => {
  it('names the proxy each answer came through, and goes around a resting proxy to the next, back when its rest ends', async () => {
    const fake = track(await createFakeUpstream());
    const p1 = track(await startHttpProxy());
    const p2 = track(await startHttpProxy());
    const p3 = track(await startHttpProxy());
    let nowMs = 1_000_000;
    const rests = createProxyRests({ now: () => nowMs });
    const client = track(
      createGeminiClient({
        base: { origin: fake.url, pathPrefix: '' },
        timeouts: { connectMs: 2_000, firstByteMs: 5_000, streamIdleMs: 5_000, totalMs: 5_000 },
        proxies: [p1, p2, p3].map((proxy) => describeOutboundProxy(proxy.url)),
        proxyRests: rests,
      }),
    );
    const [secret] = keysFor(0, 1, 3, 'client');
    const key = { id: idOf(secret as string), secret: secret as string };
    const request = {
      method: 'POST' as const,
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
      query: '',
      body: Buffer.from(generateBody('hi')),
    };
    const via = async () => (await client.send(request, key, false)).via;

    expect(await via()).toBe(p1.label);
    // P1 rests (three keys limited through it at once): the key's calls take P2, the next in order.
    for (const id of ['a', 'b', 'c'])
      rests.rateLimited({ proxy: p1.label, keyId: id, model: 'm', retryAtMs: nowMs + 5_000 }, 3);
    expect([await via(), await via()]).toEqual([p2.label, p2.label]);
    // P2 rests too, longer: P3. Then every proxy rests: the one back first, never Google directly.
    for (const id of ['d', 'e', 'f'])
      rests.rateLimited({ proxy: p2.label, keyId: id, model: 'm', retryAtMs: nowMs + 9_000 }, 3);
    expect(await via()).toBe(p3.label);
    for (const id of ['g', 'h', 'i'])
      rests.rateLimited({ proxy: p3.label, keyId: id, model: 'm', retryAtMs: nowMs + 7_000 }, 3);
    expect(await via()).toBe(p1.label);
    expect(fake.requests.every((request) => request.status === 200)).toBe(true);
    // P1's rest is over: its own proxy again.
    nowMs += 5_000;
    expect(await via()).toBe(p1.label);
    expect(p1.keysSeen()).toEqual([secret, secret, secret]);
    expect(p2.keysSeen()).toEqual([secret, secret]);
    expect(p3.keysSeen()).toEqual([secret]);
  });

  it('names no proxy for a call straight to Google', async () => {
    const fake = track(await createFakeUpstream());
    const client = track(
      createGeminiClient({
        base: { origin: fake.url, pathPrefix: '' },
        timeouts: { connectMs: 2_000, firstByteMs: 5_000, streamIdleMs: 5_000, totalMs: 5_000 },
      }),
    );
    const answer = await client.send(
      {
        method: 'POST',
        path: '/v1beta/models/gemini-2.5-flash:generateContent',
        query: '',
        body: Buffer.from(generateBody('hi')),
      },
      { id: 'direct', secret: 'ok-direct-call-key-0123456789' },
      false,
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.via).toBeUndefined();
  });
});
