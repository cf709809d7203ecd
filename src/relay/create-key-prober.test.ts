import { describe, expect, it } from 'vitest';
import type { Cancellation } from '../core/cancellation.js';
import { systemClock } from '../core/clock.js';
import { createKeyPool } from '../keypool/key-pool.js';
import type { GeminiClient } from '../upstream/gemini-client.js';
import { createKeyProber } from './create-key-prober.js';

/** An upstream that never answers: only the caller's cancellation ends the call. */
const silentUpstream: GeminiClient = {
  send: (_request, _key, _stream, signal?: Cancellation) =>
    new Promise((_resolve, reject) => {
      signal?.once('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    }),
  close: async () => {},
};

describe('createKeyProber', () => {
  it('gives up on a probe Google does not answer within its deadline, judging nothing', async () => {
    const pool = createKeyPool(['k-a'], { clock: systemClock, softFailureLimit: 3 });
    const prober = createKeyProber({
      pool,
      client: silentUpstream,
      clock: systemClock,
      testModel: 'gemini-2.5-flash-lite',
      intervalMs: 0,
      timeoutMs: 50,
    });
    const key = pool.find(pool.list()[0]?.id ?? '');
    if (!key) throw new Error('no key');
    const started = Date.now();
    expect(await prober.confirmRefusal(key)).toBe('unknown');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(pool.stateOf(key.id)?.disabled).toBeUndefined();
    prober.close();
  });
});
