import { describe, expect, it } from 'vitest';
import {
  createProxyRests,
  defaultProxyRestMs,
  describeProxyStates,
  maxProxyRestMs,
  minProxyRestMs,
  type ProxyRateLimitVerdict,
  proxyRateLimitWindowMs,
} from './proxy-rests.js';

const start = 1_000_000;
const p1 = 'http://10.0.0.1:3128';
const p2 = 'socks5://10.0.0.2:1080';

/** A 429: when (ms after start), through which proxy, which key, and Google's retry delay if any. */
type Hit = readonly [atMs: number, proxy: string, key: string, retryInMs?: number];

function setUp() {
  let nowMs = start;
  const rests = createProxyRests({ now: () => nowMs });
  const limit = ([atMs, proxy, key, retryInMs]: Hit, threshold = 3, model = 'm'): ProxyRateLimitVerdict => {
    nowMs = start + atMs;
    return rests.rateLimited(
      { proxy, keyId: key, model, ...(retryInMs === undefined ? {} : { retryAtMs: nowMs + retryInMs }) },
      threshold,
    );
  };
  return {
    rests,
    limit,
    at: (ms: number) => {
      nowMs = start + ms;
    },
  };
}

const justInside = proxyRateLimitWindowMs - 1;

describe('createProxyRests', () => {
  it.each<[string, readonly Hit[], number, number | undefined]>([
    [
      'N-1 distinct keys: no rest',
      [
        [0, p1, 'k1'],
        [1, p1, 'k2'],
      ],
      3,
      undefined,
    ],
    [
      'N distinct keys within the window: rest until the latest retry time Google gave',
      [
        [0, p1, 'k1', 20_000],
        [100, p1, 'k2', 5_000],
        [200, p1, 'k3', 7_000],
      ],
      3,
      20_000,
    ],
    [
      'the same key N times: no rest',
      [
        [0, p1, 'k1'],
        [1, p1, 'k1'],
        [2, p1, 'k1'],
        [3, p1, 'k1'],
      ],
      3,
      undefined,
    ],
    [
      'N keys, but the first outside the window: no rest',
      [
        [0, p1, 'k1'],
        [proxyRateLimitWindowMs, p1, 'k2'],
        [proxyRateLimitWindowMs + 1, p1, 'k3'],
      ],
      3,
      undefined,
    ],
    [
      'N keys just inside the window: rest',
      [
        [0, p1, 'k1', 1_000],
        [1, p1, 'k2', 1_000],
        [justInside, p1, 'k3', 3_000],
      ],
      3,
      justInside + 3_000,
    ],
    [
      'a 429 without a retry time among them: the default rest from it',
      [
        [0, p1, 'k1'],
        [1, p1, 'k2', 1_000],
        [2, p1, 'k3', 3_000],
      ],
      3,
      defaultProxyRestMs,
    ],
    [
      'N keys over two proxies: neither rests',
      [
        [0, p1, 'k1'],
        [1, p2, 'k2'],
        [2, p1, 'k3'],
        [3, p2, 'k4'],
      ],
      3,
      undefined,
    ],
    [
      'no retry time from Google: the default rest from the last 429',
      [
        [0, p1, 'k1'],
        [5, p1, 'k2'],
        [9, p1, 'k3'],
      ],
      3,
      9 + defaultProxyRestMs,
    ],
    [
      'a retry time of hours: capped',
      [
        [0, p1, 'k1', 86_400_000],
        [1, p1, 'k2'],
        [2, p1, 'k3'],
      ],
      3,
      2 + maxProxyRestMs,
    ],
    [
      'a retry time of 0 s: the shortest rest',
      [
        [0, p1, 'k1', 0],
        [1, p1, 'k2', 0],
        [2, p1, 'k3', 0],
      ],
      3,
      2 + minProxyRestMs,
    ],
    ['threshold 1: the first 429 rests it', [[0, p1, 'k1', 4_000]], 1, 4_000],
    [
      'threshold 0: never',
      [
        [0, p1, 'k1'],
        [1, p1, 'k2'],
        [2, p1, 'k3'],
        [3, p1, 'k4'],
      ],
      0,
      undefined,
    ],
  ])('%s', (_name, hits, threshold, restsUntil) => {
    const { rests, limit } = setUp();
    const verdicts = hits.map((hit) => limit(hit, threshold));
    const last = verdicts.at(-1) as ProxyRateLimitVerdict;
    const proxy = (hits.at(-1) as Hit)[1];
    if (restsUntil === undefined) {
      expect(verdicts.every((verdict) => verdict.started === undefined && verdict.excused.length === 0)).toBe(
        true,
      );
      expect(rests.restingUntil(proxy)).toBeUndefined();
      expect(rests.list()).toEqual([]);
    } else {
      expect(last.started).toMatchObject({ proxy, untilMs: start + restsUntil });
      expect(rests.restingUntil(proxy)).toBe(start + restsUntil);
      expect(verdicts.slice(0, -1).every((verdict) => verdict.started === undefined)).toBe(true);
    }
  });

  it('lists every key and model limited through the proxy in the window for clearing, each once', () => {
    const { limit } = setUp();
    limit([0, p1, 'k0'], 3, 'old');
    limit([proxyRateLimitWindowMs + 1, p1, 'k1'], 3, 'm');
    limit([proxyRateLimitWindowMs + 2, p1, 'k1'], 3, 'm');
    limit([proxyRateLimitWindowMs + 3, p1, 'k1'], 3, 'other');
    limit([proxyRateLimitWindowMs + 4, p2, 'k9'], 3, 'm');
    limit([proxyRateLimitWindowMs + 5, p1, 'k2'], 3, 'm');
    const verdict = limit([proxyRateLimitWindowMs + 6, p1, 'k3'], 3, 'm');
    expect(verdict.started).toMatchObject({
      proxy: p1,
      keys: 3,
      sinceMs: start + proxyRateLimitWindowMs + 6,
    });
    expect(verdict.excused).toEqual([
      { keyId: 'k1', model: 'm' },
      { keyId: 'k1', model: 'other' },
      { keyId: 'k2', model: 'm' },
      { keyId: 'k3', model: 'm' },
    ]);
  });

  it('excuses a 429 through a proxy that rests (a call sent before its rest), starting nothing new', () => {
    const { limit } = setUp();
    for (const [index, key] of ['k1', 'k2', 'k3'].entries()) limit([index, p1, key, 30_000]);
    const late = limit([500, p1, 'k4', 90_000]);
    expect(late).toEqual({ excused: [{ keyId: 'k4', model: 'm' }] });
  });

  it('blames a key excused by one proxy that is limited again through another: its own limit, for no proxy', () => {
    const { rests, limit } = setUp();
    for (const [index, key] of ['k1', 'k2', 'k3'].entries()) limit([index, p1, key, 30_000]);
    // The keys go by p2 while p1 rests, and Google limits them there too.
    expect(limit([100, p2, 'k1'])).toEqual({ excused: [] });
    expect(limit([101, p2, 'k2'])).toEqual({ excused: [] });
    expect(limit([102, p2, 'k3'])).toEqual({ excused: [] });
    expect(rests.restingUntil(p2)).toBeUndefined();
    // Another model of the same key was not excused: it counts.
    limit([103, p2, 'k1'], 3, 'other');
    limit([104, p2, 'k5']);
    expect(limit([105, p2, 'k6']).started).toMatchObject({ proxy: p2, keys: 3 });
  });

  it('ends the rest at its time: the proxy is back, and its window starts empty', () => {
    const { rests, limit, at } = setUp();
    for (const [index, key] of ['k1', 'k2', 'k3'].entries()) limit([index, p1, key, 5_000]);
    const until = start + 2 + 5_000;
    expect(rests.restingUntil(p1)).toBe(until);
    at(5_000);
    expect(rests.list()).toEqual([{ proxy: p1, sinceMs: start + 2, untilMs: until, keys: 3 }]);
    at(5_002);
    expect(rests.restingUntil(p1)).toBeUndefined();
    expect(rests.list()).toEqual([]);
    // Back: a 429 is weighed afresh, and the keys excused before count again.
    expect(limit([5_003, p1, 'k1'])).toEqual({ excused: [] });
    expect(limit([5_004, p2, 'k2'])).toEqual({ excused: [] });
    expect(limit([5_005, p1, 'k3'])).toEqual({ excused: [] });
    expect(limit([5_006, p1, 'k2']).started).toMatchObject({ proxy: p1, keys: 3 });
  });

  it('says when every proxy given rests, and when the first is back', () => {
    const { rests, limit, at } = setUp();
    expect(rests.allRestingUntil([p1, p2])).toBeUndefined();
    for (const [index, key] of ['k1', 'k2', 'k3'].entries()) limit([index, p1, key, 8_000]);
    expect(rests.allRestingUntil([p1])).toBe(start + 2 + 8_000);
    expect(rests.allRestingUntil([p1, p2])).toBeUndefined();
    expect(rests.allRestingUntil([])).toBeUndefined();
    for (const [index, key] of ['k4', 'k5', 'k6'].entries()) limit([10 + index, p2, key, 3_000]);
    expect(rests.allRestingUntil([p1, p2])).toBe(start + 12 + 3_000);
    at(12 + 3_000);
    expect(rests.allRestingUntil([p1, p2])).toBeUndefined();
  });
});

describe('describeProxyStates', () => {
  it('lists the proxies in force in order, with the rest of those resting', () => {
    const states = describeProxyStates(
      [p1, p2],
      [
        { proxy: p2, sinceMs: Date.UTC(2025, 0, 1), untilMs: Date.UTC(2025, 0, 1, 0, 1), keys: 4 },
        { proxy: 'http://gone:1', sinceMs: 0, untilMs: 1, keys: 3 },
      ],
    );
    expect(states).toEqual([
      { proxy: p1, rest: null },
      {
        proxy: p2,
        rest: {
          since: '2025-01-01T00:00:00.000Z',
          until: '2025-01-01T00:01:00.000Z',
          keys: 4,
          reason: expect.stringContaining('4 keys'),
        },
      },
    ]);
  });
});
