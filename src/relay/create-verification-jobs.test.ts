import { describe, expect, it } from 'vitest';
import type { Cancellation } from '../core/cancellation.js';
import { createKeyPool } from '../keypool/key-pool.js';
import type { GeminiClient } from '../upstream/gemini-client.js';
import { createKeyProber } from './create-key-prober.js';
import { createVerificationJobs } from './create-verification-jobs.js';

/**
 * Google at the client's boundary: `dead-*` keys are refused, the others answer once released
 * (`release()`), or at once when `held` is false; a cancelled call fails as undici's does.
 */
function scriptedUpstream(held: boolean) {
  const waiting: (() => void)[] = [];
  const client: GeminiClient = {
    send: (_request, key, _stream, signal?: Cancellation) =>
      new Promise((resolve, reject) => {
        const answer = () =>
          resolve(
            key.secret.startsWith('dead-')
              ? {
                  kind: 'complete',
                  statusCode: 400,
                  headers: {},
                  body: Buffer.from(
                    JSON.stringify({
                      error: {
                        code: 400,
                        status: 'INVALID_ARGUMENT',
                        message: 'API key not valid.',
                        details: [
                          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
                        ],
                      },
                    }),
                  ),
                }
              : { kind: 'complete', statusCode: 200, headers: {}, body: Buffer.from('{}') },
          );
        signal?.once('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        if (held) waiting.push(answer);
        else answer();
      }) as ReturnType<GeminiClient['send']>,
    close: async () => {},
  };
  return {
    client,
    release: () => {
      for (const answer of waiting.splice(0)) answer();
    },
    waiting,
  };
}

function setUp(secrets: string[], held = false) {
  let nowMs = Date.UTC(2026, 11, 6);
  const clock = { now: () => nowMs };
  const pool = createKeyPool(secrets, { clock, softFailureLimit: 3 });
  const upstream = scriptedUpstream(held);
  const prober = createKeyProber({ pool, client: upstream.client, clock, testModel: 'm', intervalMs: 0 });
  return { pool, upstream, prober, clock, advance: (ms: number) => (nowMs += ms) };
}

describe('createVerificationJobs', () => {
  it('probes in the background, counting verdicts and keeping the keys that did not serve', async () => {
    const { pool, prober, clock } = setUp(['ok-1', 'dead-1', 'ok-2', 'dead-2']);
    const jobs = createVerificationJobs({ prober, clock });
    const started = jobs.start(pool.keys());
    expect(started).toMatchObject({ kind: 'verify', state: 'running', total: 4, done: 0, finishedAt: null });
    const id = started?.id ?? '';
    await expect.poll(() => jobs.get(id)?.state).toBe('done');
    expect(jobs.get(id)).toMatchObject({
      total: 4,
      done: 4,
      results: { serves: 2, refused: 2, unknown: 0 },
      problems: [
        { masked: '…', verdict: 'refused', errorType: 'invalid-key' },
        { masked: '…', verdict: 'refused', errorType: 'invalid-key' },
      ],
      finishedAt: new Date(clock.now()).toISOString(),
    });
    expect(
      pool
        .refusedKeys()
        .map((key) => key.secret)
        .sort(),
    ).toEqual(['dead-1', 'dead-2']);
    expect(jobs.get('no-such-job')).toBeUndefined();
  });

  it('runs a bounded number at once, and forgets finished jobs after their hour or past the bound', async () => {
    const { pool, prober, clock, advance } = setUp(['ok-1']);
    const jobs = createVerificationJobs({ prober, clock, maxJobs: 3, maxRunning: 2, keepMs: 60_000 });
    const first = jobs.start(pool.keys())?.id ?? '';
    const second = jobs.start(pool.keys())?.id ?? '';
    expect(jobs.start(pool.keys())).toBeUndefined();
    await expect.poll(() => [jobs.get(first)?.state, jobs.get(second)?.state]).toEqual(['done', 'done']);
    advance(30_000);
    const third = jobs.start(pool.keys())?.id ?? '';
    await expect.poll(() => jobs.get(third)?.state).toBe('done');
    // A fourth makes room by forgetting the oldest finished job.
    const fourth = jobs.start(pool.keys())?.id ?? '';
    expect(jobs.get(first)).toBeUndefined();
    expect(jobs.get(second)?.state).toBe('done');
    await expect.poll(() => jobs.get(fourth)?.state).toBe('done');
    advance(30_000);
    expect(jobs.get(second)).toBeUndefined();
    expect(jobs.get(third)?.state).toBe('done');
  });

  it('is cancelled at close: no key is probed after, the probes under way end, the job is failed', async () => {
    const secrets = Array.from({ length: 20 }, (_, index) => `ok-${index}`);
    const { pool, prober, clock, upstream } = setUp(secrets, true);
    const jobs = createVerificationJobs({ prober, clock });
    const id = jobs.start(pool.keys())?.id ?? '';
    await expect.poll(() => upstream.waiting.length).toBe(8);
    upstream.release();
    await expect.poll(() => upstream.waiting.length).toBe(8);
    await jobs.close();
    expect(jobs.get(id)).toMatchObject({
      state: 'failed',
      total: 20,
      done: 16,
      results: { serves: 8, refused: 0, unknown: 8 },
      error: expect.stringContaining('shut down'),
    });
    expect(jobs.get(id)?.problems[0]).toMatchObject({ errorType: 'cancelled' });
    expect(pool.refusedKeys()).toEqual([]);
  });
});
