import { describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../core/log-sink.js';
import { clampCount, latencyBucketOf, latencyPercentile, rollUpRequests } from './roll-up-requests.js';

const hour = 3_600_000;
const base = Date.UTC(2026, 11, 6, 10, 0, 0);

function entry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    createdAt: base + 90_000,
    route: 'gemini generateContent',
    model: 'gemini-2.5-flash',
    keyId: 'bbbbbbbbbbbbbbbb',
    status: 200,
    success: true,
    latencyMs: 300,
    attempts: 2,
    stream: false,
    clientId: 'c1',
    tokens: { input: 10, output: 20, thoughts: 5, cached: 1 },
    trace: [
      { keyId: 'aaaaaaaaaaaaaaaa', status: 429, outcome: 'quota-day', ms: 40 },
      { keyId: 'bbbbbbbbbbbbbbbb', status: 200, outcome: 'ok', ms: 250 },
    ],
    ...overrides,
  };
}

describe('rollUpRequests', () => {
  it('counts a request where it ended and each attempt where it went', () => {
    const { stats, keys } = rollUpRequests([entry()]);
    const minute = stats.filter((delta) => delta.span === 'minute');
    expect(minute.map((delta) => [delta.bucket, delta.outcome, delta.requests, delta.attempts])).toEqual([
      [base + 60_000, 'ok', 1, 1],
      [base + 60_000, 'quota-day', 0, 1],
    ]);
    const ok = minute.find((delta) => delta.outcome === 'ok');
    expect(ok).toMatchObject({ inputTokens: 10, outputTokens: 20, thoughtTokens: 5, cachedTokens: 1 });
    expect(ok?.latency[latencyBucketOf(300)]).toBe(1);
    expect(stats.filter((delta) => delta.span === 'hour').map((delta) => delta.bucket)).toEqual([base, base]);
    const hourKeys = keys.filter((delta) => delta.span === 'hour');
    expect(hourKeys.map((delta) => [delta.keyId, delta.requests, delta.attempts, delta.answers429])).toEqual([
      ['aaaaaaaaaaaaaaaa', 0, 1, 1],
      ['bbbbbbbbbbbbbbbb', 1, 1, 0],
    ]);
  });

  it('adds up requests that share a row, and splits those that do not', () => {
    const { stats } = rollUpRequests([
      entry(),
      entry({ createdAt: base + 100_000 }),
      entry({ createdAt: base + hour + 1, clientId: 'c2' }),
      entry({ success: false, status: 503, errorClass: 'upstream-error', trace: [], tokens: undefined }),
    ]);
    const hours = stats.filter((delta) => delta.span === 'hour' && delta.requests > 0);
    expect(hours.map((delta) => [delta.bucket, delta.clientId, delta.outcome, delta.requests])).toEqual([
      [base, 'c1', 'ok', 2],
      [base, 'c1', 'upstream-error', 1],
      [base + hour, 'c2', 'ok', 1],
    ]);
  });

  it('names a request without a key, model or client by empty text, not null', () => {
    const { stats, keys } = rollUpRequests([
      entry({ keyId: null, model: null, clientId: undefined, trace: [], errorClass: 'no-usable-key' }),
    ]);
    expect(stats[0]).toMatchObject({ model: '', clientId: '', outcome: 'no-usable-key', requests: 1 });
    expect(keys).toEqual([]);
  });

  it('brings hostile counts into range', () => {
    const { stats } = rollUpRequests([
      entry({ tokens: { input: 1e15, output: -4, thoughts: Number.NaN, cached: Number.POSITIVE_INFINITY } }),
    ]);
    expect(stats[0]).toMatchObject({ inputTokens: 2_147_483_647, outputTokens: 0, thoughtTokens: 0 });
    expect(clampCount(2.5)).toBe(3);
  });

  it.each([
    [0, 0],
    [100, 0],
    [101, 1],
    [120_000, 10],
    [10_000_000, 11],
  ])('puts %d ms in latency bucket %d', (ms, bucket) => {
    expect(latencyBucketOf(ms)).toBe(bucket);
  });
});

describe('latencyPercentile', () => {
  it.each<[number[], number, number | null]>([
    [[], 0.5, null],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5, null],
    [[10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5, 50],
    [[0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1, 250],
    [[50, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.5, 100],
    [[50, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.75, 175],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], 0.99, 120_000],
  ])('%j at %d → %j', (counts, q, expected) => {
    expect(latencyPercentile(counts, q)).toBe(expected);
  });
});
