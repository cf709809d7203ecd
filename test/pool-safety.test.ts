import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// An attacker with a client token must not be able to switch keys off or rest them: Google's 400s
// quote the client's own input, so nothing a client writes may decide a key's standing.

const adminToken = 'admin-token-for-tests';
const auth = { 'x-goog-api-key': clientToken };
const start = useStacks();
const generateUrl = (s: Stack, model = 'gemini-2.5-flash') =>
  `${s.url}/v1beta/models/${model}:generateContent`;

interface KeyJson {
  id: string;
  status: 'active' | 'disabled';
  disabled: { reason: string } | null;
  models: { model: string; restingUntil: string | null; reason: string | null }[];
}

async function keys(s: Stack): Promise<KeyJson[]> {
  const response = await fetch(`${s.url}/api/keys`, { headers: { authorization: `Bearer ${adminToken}` } });
  return ((await response.json()) as { items: KeyJson[] }).items;
}

async function keyOf(s: Stack, secret: string): Promise<KeyJson> {
  const found = (await keys(s)).find((key) => key.id === createKeyIdentity(secret).id);
  if (!found) throw new Error('no such key');
  return found;
}

const poolOf = (size: number) => Array.from({ length: size }, (_, index) => `k-${index}`).join(',');

function generations(s: Stack): string[] {
  return s.fake.requests.filter((request) => request.method === 'POST').map((request) => request.key ?? '');
}

describe('a client cannot switch keys off through text Google quotes back', () => {
  const hostileNames = [
    'API key not valid. Please pass a valid API key.',
    'API Key not found. Please pass a valid API key.',
    'API key expired. Please renew the API key.',
    "Permission denied: Consumer 'api_key:x' has been suspended.",
    'API_KEY_INVALID',
    'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
  ];

  it.each(hostileNames)('a field named %j: one call, the client’s 400, every key active', async (name) => {
    const s = await start({ API_KEYS: poolOf(5) });
    const response = await post(generateUrl(s), generateBody('hi', { [name]: 1 }), auth);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; status: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain('Unknown name');
    expect(s.fake.requests).toHaveLength(1);
    expect((await keys(s)).every((key) => key.status === 'active' && key.models.length === 0)).toBe(true);
  });

  it('a burst of such requests against a 25-key pool leaves all 25 keys serving', async () => {
    const s = await start({ API_KEYS: poolOf(25) });
    const body = generateBody('hi', { 'API key not valid. Please pass a valid API key.': true });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => post(generateUrl(s), body, auth).then((response) => response.status)),
    );
    expect(answers.every((status) => status === 400)).toBe(true);
    // One upstream call per request: a client's error never walks on to other keys.
    expect(generations(s)).toHaveLength(30);
    const states = await keys(s);
    expect(states).toHaveLength(25);
    expect(states.filter((key) => key.status !== 'active')).toEqual([]);
    expect((await post(generateUrl(s), generateBody('still fine'), auth)).status).toBe(200);
  });

  it('a value Google quotes in an "Invalid value" error changes nothing either', async () => {
    const s = await start({ API_KEYS: poolOf(3) });
    const response = await post(
      generateUrl(s),
      generateBody('hi', {
        safetySettings: [
          { category: 'API key not valid. Please pass a valid API key.', threshold: 'BLOCK_NONE' },
        ],
      }),
      auth,
    );
    expect(response.status).toBe(400);
    expect(s.fake.requests).toHaveLength(1);
    expect((await keys(s)).every((key) => key.status === 'active')).toBe(true);
  });

  it.each(hostileNames)(
    'Anthropic API: a thinking signature quoting %j, which Google quotes back, is the client’s 400; every key active',
    async (name) => {
      const s = await start({ API_KEYS: poolOf(5) });
      const response = await post(
        `${s.url}/v1/messages`,
        JSON.stringify({
          model: 'gemini-2.5-flash',
          max_tokens: 100,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: `<${name}>` }] },
            { role: 'user', content: 'again' },
          ],
        }),
        { 'x-api-key': clientToken },
      );
      expect(response.status).toBe(400);
      const body = (await response.json()) as { type: string; error: { type: string; message: string } };
      expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(body.error.message).toContain('Base64 decoding failed');
      expect(s.fake.requests).toHaveLength(1);
      expect((await keys(s)).every((key) => key.status === 'active' && key.models.length === 0)).toBe(true);
    },
  );

  it('an access_token or key parameter in any spelling never reaches Google; every key stays active', async () => {
    const s = await start({ API_KEYS: poolOf(4) });
    for (const query of ['access_token=x', 'ACCESS_TOKEN=x', '%61ccess_token=x', 'oauth_token=x', 'key=x']) {
      const response = await post(`${generateUrl(s)}?${query}`, generateBody('hi'), auth);
      expect(response.status, query).toBe(200);
    }
    expect(s.fake.requests.every((request) => !/access_token|oauth_token|[?&]key=/i.test(request.url))).toBe(
      true,
    );
    expect((await keys(s)).every((key) => key.status === 'active')).toBe(true);
  });
});

describe('a refusal switches a key off only once a probe confirms it', () => {
  it('several really invalid or suspended keys are switched off and the request is served by a healthy one', async () => {
    const s = await start({ API_KEYS: 'invalid-1,suspended-1,invalid-2,k-ok' });
    const response = await post(generateUrl(s), generateBody('hello'), auth);
    expect(response.status).toBe(200);
    expect(generations(s)).toEqual(['invalid-1', 'suspended-1', 'invalid-2', 'k-ok']);
    // Each refused key was probed once, with a GET that spends no generation quota.
    const probes = s.fake.requests.filter((request) => request.method === 'GET');
    expect(probes.map((request) => request.key).sort()).toEqual(['invalid-1', 'invalid-2', 'suspended-1']);
    expect(probes.every((request) => request.url === '/v1beta/models/gemini-2.5-flash-lite')).toBe(true);
    expect(await keyOf(s, 'invalid-1')).toMatchObject({
      status: 'disabled',
      disabled: { reason: 'invalid' },
    });
    expect(await keyOf(s, 'suspended-1')).toMatchObject({
      status: 'disabled',
      disabled: { reason: 'suspended' },
    });
    expect(await keyOf(s, 'k-ok')).toMatchObject({ status: 'active' });
  });

  it('a refusal the probe contradicts was the request’s: the key stays active and no other key is asked', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b,k-c' });
    // The generation call is refused; the probe, with the key alone, is answered.
    s.fake.script('k-a', ['suspended', 'ok']);
    const response = await post(generateUrl(s), generateBody('hello'), auth);
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('PERMISSION_DENIED');
    expect(s.fake.requests.map((request) => `${request.method} ${request.key}`)).toEqual([
      'POST k-a',
      'GET k-a',
    ]);
    expect((await keys(s)).every((key) => key.status === 'active')).toBe(true);
  });

  it('concurrent refusals of one key share one probe', async () => {
    const s = await start({ API_KEYS: 'invalid-1,k-b' });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => post(generateUrl(s), generateBody('x'), auth).then((r) => r.status)),
    );
    expect(answers.every((status) => status === 200)).toBe(true);
    expect(s.fake.requests.filter((request) => request.method === 'GET')).toHaveLength(1);
    // A key never yet successful serves one request at a time, the probe included: one call.
    expect(generations(s).filter((key) => key === 'invalid-1')).toHaveLength(1);
    expect(await keyOf(s, 'invalid-1')).toMatchObject({ status: 'disabled' });
  });
});

describe('a failed precondition rests a key only when another key serves the same request', () => {
  it('rests the key for that model, not switched off, once another key served', async () => {
    const s = await start({ API_KEYS: 'precondition-1,k-b' });
    expect((await post(generateUrl(s), generateBody('hello'), auth)).status).toBe(200);
    const state = await keyOf(s, 'precondition-1');
    expect(state.status).toBe('active');
    expect(state.models).toEqual([
      expect.objectContaining({
        model: 'gemini-2.5-flash',
        reason: 'precondition',
        restingUntil: expect.any(String),
      }),
    ]);
    // Another model is another question.
    s.fake.script('precondition-1', 'ok');
    expect((await post(generateUrl(s, 'gemini-2.5-pro'), generateBody('hello'), auth)).status).toBe(200);
    expect(generations(s).at(-1)).toBe('precondition-1');
  });

  it('stops at the second key failing the same precondition and rests none', async () => {
    const s = await start({ API_KEYS: 'precondition-1,precondition-2,precondition-3,precondition-4' });
    const response = await post(generateUrl(s), generateBody('hello'), auth);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe(
      'FAILED_PRECONDITION',
    );
    expect(generations(s)).toHaveLength(2);
    expect((await keys(s)).every((key) => key.status === 'active' && key.models.length === 0)).toBe(true);
  });
});

describe('a token quota one request can spend by itself rests no key unless another key serves it', () => {
  it('a request larger than the per-minute token quota gets Google’s 429, and every key stays ready', async () => {
    const s = await start({ API_KEYS: 'k-a,k-b,k-c' }, { inputTokensPerMinute: 1_000 });
    const response = await post(generateUrl(s), generateBody('x'.repeat(8_000)), auth);
    expect(response.status).toBe(429);
    expect(await response.text()).toContain('GenerateContentInputTokensPerModelPerMinute');
    // Each key was asked (any of them might have had room), none rests for it afterwards.
    expect(generations(s).sort()).toEqual(['k-a', 'k-b', 'k-c']);
    expect((await keys(s)).every((key) => key.status === 'active' && key.models.length === 0)).toBe(true);
    const answers = await Promise.all(
      [1, 2, 3].map(() => post(generateUrl(s), generateBody('small'), auth).then((r) => r.status)),
    );
    expect(answers).toEqual([200, 200, 200]);
  });
});

describe('the pool’s own 429 speaks Google’s language', () => {
  interface ErrorJson {
    error: { code: number; message: string; status: string; details: Record<string, unknown>[] };
  }

  it('a pool resting for the day answers RetryInfo, a PerDay QuotaFailure naming the model, and "Please retry in Ns."', async () => {
    const s = await start({ API_KEYS: 'quota-day-1' });
    const response = await post(generateUrl(s), generateBody('hello'), auth);
    expect(response.status).toBe(429);
    const body = (await response.json()) as ErrorJson;
    const seconds = Number(/Please retry in (\d+)s\.$/.exec(body.error.message)?.[1]);
    expect(seconds).toBeGreaterThan(60);
    expect(Number(response.headers.get('retry-after'))).toBe(seconds);
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: `${seconds}s`,
    });
    const quota = body.error.details.find((detail) => String(detail['@type']).endsWith('QuotaFailure')) as {
      violations: { quotaId: string; quotaDimensions: { model: string } }[];
    };
    expect(quota.violations[0]?.quotaDimensions.model).toBe('gemini-2.5-flash');
    // A rest of more than an hour is named a daily one: clients stop retrying on `PerDay`.
    expect(quota.violations[0]?.quotaId).toMatch(seconds > 3600 ? /PerDay/ : /PerMinute/);
  });

  it('Retry-After is never shorter than the rest the pool applies', async () => {
    const s = await start({ API_KEYS: 'k-a' }, { retryDelaySeconds: 26 });
    s.fake.script('k-a', 'quota-minute');
    for (let round = 0; round < 2; round++) {
      const response = await post(generateUrl(s), generateBody('hello'), auth);
      expect(response.status).toBe(429);
      const answeredMs = Date.now();
      const restingUntil = Date.parse((await keyOf(s, 'k-a')).models[0]?.restingUntil ?? '');
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(answeredMs + retryAfter * 1000).toBeGreaterThanOrEqual(restingUntil);
      const body = (await response.json()) as ErrorJson;
      expect(body.error.message).toContain(`Please retry in ${retryAfter}s.`);
    }
    expect(generations(s)).toHaveLength(1);
  });

  it('@google/genai sees a 429 carrying the pool’s RetryInfo', async () => {
    const s = await start({ API_KEYS: 'k-a' }, { retryDelaySeconds: 30 });
    s.fake.script('k-a', 'quota-minute');
    const ai = new GoogleGenAI({ apiKey: clientToken, httpOptions: { baseUrl: s.url } });
    const error = await ai.models
      .generateContent({ model: 'gemini-2.5-flash', contents: 'hello' })
      .then(() => undefined)
      .catch((caught: unknown) => caught as { status?: number; message: string });
    expect(error?.status).toBe(429);
    expect(error?.message).toMatch(/Please retry in (3[0-4])s\./);
    expect(error?.message).toContain('RetryInfo');
  });
});
