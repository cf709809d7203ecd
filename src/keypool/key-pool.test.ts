import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../core/key-identity.js';
import { createKeyPool } from './key-pool.js';

const ids = (pool: ReturnType<typeof createKeyPool>, model: string, count: number) =>
  Array.from({ length: count }, () => pool.select(model)?.secret);

describe('createKeyPool', () => {
  it('rotates round-robin, with one cursor per model', () => {
    const pool = createKeyPool(['a', 'b', 'c'], { maxFailures: 3 });
    expect(ids(pool, 'm1', 4)).toEqual(['a', 'b', 'c', 'a']);
    expect(ids(pool, 'm2', 2)).toEqual(['a', 'b']);
    expect(ids(pool, 'm1', 1)).toEqual(['b']);
  });

  it('drops duplicate keys and skips excluded ones', () => {
    const pool = createKeyPool(['a', 'b', 'a'], { maxFailures: 3 });
    expect(pool.size).toBe(2);
    expect(pool.select('m', new Set([createKeyIdentity('a').id]))?.secret).toBe('b');
    expect(pool.select('m', new Set([createKeyIdentity('a').id, createKeyIdentity('b').id]))).toBeUndefined();
  });

  it('disables a dead key at once and a rate-limited key after maxFailures in a row', () => {
    const pool = createKeyPool(['dead', 'limited', 'fine'], { maxFailures: 2 });
    const [dead, limited] = [pool.select('m'), pool.select('m')];
    if (!dead || !limited) throw new Error('expected keys');
    pool.report(dead, 'm', { kind: 'key-dead', reason: 'invalid' });
    pool.report(limited, 'm', { kind: 'cool', reason: 'unknown' });
    expect(pool.usableCount()).toBe(2);
    pool.report(limited, 'm', { kind: 'ok' });
    pool.report(limited, 'm', { kind: 'cool', reason: 'unknown' });
    expect(pool.usableCount()).toBe(2);
    pool.report(limited, 'm', { kind: 'cool', reason: 'unknown' });
    expect(pool.usableCount()).toBe(1);
    expect(ids(pool, 'm', 3)).toEqual(['fine', 'fine', 'fine']);
  });

  it('never counts upstream trouble or client errors against a key', () => {
    const pool = createKeyPool(['a'], { maxFailures: 1 });
    const key = pool.select('m');
    if (!key) throw new Error('expected a key');
    pool.report(key, 'm', { kind: 'upstream-trouble', cause: 'server' });
    pool.report(key, 'm', { kind: 'client-error' });
    expect(pool.usableCount()).toBe(1);
  });

  it('names keys by id and mask only', () => {
    const pool = createKeyPool(['AIzaSyFAKEfakeFAKEfakeFAKEfakeFAKE00001'], { maxFailures: 1 });
    const key = pool.select('m');
    expect(key?.masked).toBe('AIza…0001');
    expect(key?.id).toMatch(/^[0-9a-f]{8}$/);
  });
});
