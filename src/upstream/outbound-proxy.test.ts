import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../core/key-identity.js';
import { chooseProxyIndex } from './outbound-proxy.js';

const ids = Array.from({ length: 400 }, (_, index) => createKeyIdentity(`AIzaSyTestKey${index}`).id);
const never = () => {
  throw new Error('the choice by key must not draw at random');
};

describe('chooseProxyIndex', () => {
  it('gives a key the same proxy every time, from its id alone', () => {
    for (const id of ids) {
      const first = chooseProxyIndex(id, 3, true, never);
      for (let call = 0; call < 5; call += 1) expect(chooseProxyIndex(id, 3, true, never)).toBe(first);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(3);
    }
  });

  it('is stable across processes: fixed ids keep fixed proxies (FNV-1a)', () => {
    // Changing the hash moves every key to another proxy on upgrade: a deliberate decision, not an accident.
    // FNV-1a of "a" is 0xe40c292c, 3826002220 = 7 × 546571745 + 5.
    expect(
      ['0123456789abcdef', 'ffffffffffffffff', 'a'].map((id) => chooseProxyIndex(id, 7, true, never)),
    ).toEqual([6, 1, 5]);
  });

  it('spreads keys over the proxies', () => {
    const counts = [0, 0, 0, 0];
    for (const id of ids) {
      const index = chooseProxyIndex(id, 4, true, never);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(60);
  });

  it('draws at random per call when not by key', () => {
    const draws = [0, 0.26, 0.5, 0.99, 0.999999];
    expect(draws.map((draw) => chooseProxyIndex(ids[0] as string, 4, false, () => draw))).toEqual([
      0, 1, 2, 3, 3,
    ]);
  });

  it('has one choice with one proxy', () => {
    expect(chooseProxyIndex(ids[0] as string, 1, true, never)).toBe(0);
    expect(chooseProxyIndex(ids[0] as string, 1, false, never)).toBe(0);
  });
});
