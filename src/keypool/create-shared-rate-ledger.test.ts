import { describe, expect, it } from 'vitest';
import { ok } from './classify-outcome.js';
import { createMemoryLeaseStore } from './create-memory-lease-store.js';
import { batchOf, createSharedRateLedger, outageShareOf } from './create-shared-rate-ledger.js';
import { createKeyPool, type KeyPool } from './key-pool.js';
import type { LeaseRequest, LeaseStore } from './rate-ledger.js';
import type { RateLimit } from './usage-window.js';

// The start of a minute, well inside a Pacific day.
const start = Date.UTC(2026, 10, 28, 18, 0, 0);

function clockAt(nowMs: number) {
  return {
    nowMs,
    now() {
      return this.nowMs;
    },
  };
}

/** Lets the leases under way resolve, and what they set off run. */
const settle = () => new Promise<void>((done) => setImmediate(done));

/**
 * The memory store, seen through a window: the leases asked for are recorded, and while `failing`
 * the store cannot answer (as Redis out of reach).
 */
function watchedStore(instances = 1) {
  const inner = createMemoryLeaseStore(instances);
  const requests: LeaseRequest[] = [];
  const state = { failing: false };
  const store: LeaseStore = {
    lease(request) {
      requests.push(request);
      return state.failing ? Promise.reject(new Error('Redis out of reach')) : inner.lease(request);
    },
    instances: () => inner.instances(),
  };
  return {
    requests,
    store,
    set failing(value: boolean) {
      state.failing = value;
    },
  };
}

describe('createSharedRateLedger', () => {
  it.each<[RateLimit, number]>([
    [{ rpm: 10 }, 1],
    [{ rpm: 39 }, 1],
    [{ rpm: 40 }, 2],
    [{ rpm: 100 }, 5],
    [{ rpm: 100, rpd: 10 }, 5],
    [{ rpm: 1_000 }, 50],
    [{ rpm: 100_000 }, 50],
    [{ rpd: 1_440 }, 1],
    [{ rpd: 100_000 }, 50],
    [{ rpd: 60_000 }, 50],
    [{ rpd: 24_000 }, 20],
    [{}, 1],
  ])('takes shares of %j in batches of %i', (limit, batch) => {
    expect(batchOf(limit)).toBe(batch);
  });

  it.each<[RateLimit, number, RateLimit]>([
    [{ rpm: 10 }, 1, { rpm: 10 }],
    [{ rpm: 10 }, 2, { rpm: 5 }],
    [{ rpm: 10 }, 3, { rpm: 3 }],
    [{ rpm: 10, rpd: 100 }, 4, { rpm: 2, rpd: 25 }],
    [{ rpd: 7 }, 2, { rpd: 3 }],
    // Never nothing at all, and never divided by fewer than one instance.
    [{ rpm: 1 }, 3, { rpm: 1 }],
    [{ rpm: 10 }, 0, { rpm: 10 }],
    [{}, 5, {}],
  ])('keeps %j divided among %i instances to %j during an outage', (limit, instances, share) => {
    expect(outageShareOf(limit, instances)).toEqual(share);
  });

  it('lets two instances together send no more than the per-minute limit, asked in alternation', async () => {
    for (const rpm of [10, 100]) {
      const store = createMemoryLeaseStore(2);
      const clock = clockAt(start);
      const instance = (): KeyPool =>
        createKeyPool(['k'], {
          clock,
          random: () => 0,
          softFailureLimit: 3,
          rateLimits: { '*': { rpm } },
          rateLedger: createSharedRateLedger({ store, now: () => clock.now() }),
        });
      const pools = [instance(), instance()];
      const sent: [number, number] = [0, 0];
      /** Asks each pool in turn, each request answered at once, until neither sends in `rounds`. */
      const run = async (rounds: number) => {
        for (let round = 0; round < rounds; round++) {
          for (const [index, pool] of pools.entries()) {
            const selection = pool.select('m');
            if (selection.kind !== 'key') continue;
            sent[index as 0 | 1] += 1;
            pool.report(selection.key, 'm', ok);
          }
          await settle();
        }
      };
      await run(rpm * 3);
      expect(sent[0] + sent[1]).toBe(rpm);
      // Both instances had a part of it, and both now wait for the next minute.
      expect(sent[0]).toBeGreaterThan(0);
      expect(sent[1]).toBeGreaterThan(0);
      for (const pool of pools)
        expect(pool.select('m')).toEqual({ kind: 'none', reason: 'resting', retryAtMs: start + 60_000 });

      clock.nowMs += 60_000;
      await run(rpm * 3);
      expect(sent[0] + sent[1]).toBe(2 * rpm);
    }
  });

  it('answers pending until the share arrives, then allows, and wakes the requests waiting for it', async () => {
    const watched = watchedStore();
    const clock = clockAt(start);
    const ledger = createSharedRateLedger({ store: watched.store, now: () => clock.now() });
    const limit = { rpm: 10 };
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    // Asked again before it arrives: one lease, not two.
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    expect(watched.requests).toStrictEqual([
      { bucket: 'k m', want: 1, minute: { startMs: start, limit: 10 } },
    ]);
    await settle();
    expect(ledger.check('k', 'm', limit, clock.now())).toBeUndefined();

    // Through a pool: the first choice waits ('busy'), the share's arrival wakes it.
    const pool = createKeyPool(['k'], {
      clock,
      random: () => 0,
      softFailureLimit: 3,
      rateLimits: { '*': { rpm: 10, rpd: 100 } },
      rateLedger: createSharedRateLedger({ store: watched.store, now: () => clock.now() }),
    });
    expect(pool.select('m')).toEqual({ kind: 'none', reason: 'busy' });
    await pool.whenSettled();
    expect(pool.select('m')).toMatchObject({ kind: 'key' });
  });

  it('asks for the next share before the one in hand is spent', async () => {
    const watched = watchedStore();
    const clock = clockAt(start);
    const ledger = createSharedRateLedger({ store: watched.store, now: () => clock.now() });
    const limit = { rpm: 100 };
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    await settle();
    // A batch of 5: the next is asked for once fewer than 3 are left, while 2 still are.
    for (let sent = 0; sent < 3; sent++) {
      expect(ledger.check('k', 'm', limit, clock.now())).toBeUndefined();
      expect(watched.requests).toHaveLength(1);
      ledger.spend('k', 'm', limit, clock.now());
    }
    expect(watched.requests).toHaveLength(2);
    expect(watched.requests[1]).toMatchObject({ bucket: 'k m', want: 5 });
    await settle();
    // 2 left and 5 more: 7 sent without a wait, nor another lease before the next runs low.
    for (let sent = 0; sent < 7; sent++) {
      expect(ledger.check('k', 'm', limit, clock.now())).toBeUndefined();
      ledger.spend('k', 'm', limit, clock.now());
      await settle();
    }
    expect(watched.requests.length).toBeGreaterThanOrEqual(3);

    // A limit with a batch of one: the next single permit is asked for when the one in hand is spent.
    const single = { rpm: 10 };
    expect(ledger.check('k', 'n', single, clock.now())).toBe('pending');
    await settle();
    const before = watched.requests.length;
    ledger.spend('k', 'n', single, clock.now());
    expect(watched.requests).toHaveLength(before + 1);
    await settle();
    expect(ledger.check('k', 'n', single, clock.now())).toBeUndefined();
  });

  it('uses no permit of a minute that ended in the next, even one that arrived late', async () => {
    const watched = watchedStore();
    const clock = clockAt(start);
    const ledger = createSharedRateLedger({ store: watched.store, now: () => clock.now() });
    const limit = { rpm: 100 };
    ledger.check('k', 'm', limit, clock.now());
    await settle();
    ledger.spend('k', 'm', limit, clock.now());
    // 4 permits left of the first minute; none of them serve the second.
    clock.nowMs = start + 60_000;
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    expect(watched.requests.at(-1)?.minute).toEqual({ startMs: start + 60_000, limit: 100 });
    await settle();
    expect(ledger.check('k', 'm', limit, clock.now())).toBeUndefined();

    // A share asked for in the last moment of a minute arrives in the next.
    clock.nowMs = start + 3 * 60_000 - 1;
    expect(ledger.check('k', 'late', limit, clock.now())).toBe('pending');
    clock.nowMs = start + 3 * 60_000;
    await settle();
    const asked = watched.requests.length;
    expect(ledger.check('k', 'late', limit, clock.now())).toBe('pending');
    expect(watched.requests).toHaveLength(asked + 1);
    expect(watched.requests.at(-1)?.minute?.startMs).toBe(start + 3 * 60_000);
  });

  it('keeps a day-only share that arrives after a minute turned, since only the day counts it', async () => {
    const watched = watchedStore();
    const clock = clockAt(start + 60_000 - 1);
    const ledger = createSharedRateLedger({ store: watched.store, now: () => clock.now() });
    const limit = { rpd: 2 };
    const sent: number[] = [];
    // Asked in the last moment of a minute, asked again in the next while the share travels.
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    clock.nowMs += 1;
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    for (let round = 0; round < 20; round++) {
      await settle();
      if (ledger.check('k', 'm', limit, clock.now()) === undefined) {
        ledger.spend('k', 'm', limit, clock.now());
        sent.push(clock.now());
      }
    }
    // The day's limit is 2, and the store granted 2: both are sent, none lost on the way.
    expect(sent).toHaveLength(2);
  });

  it('counts locally to its part of the limit while the store cannot answer, then asks the store again', async () => {
    const watched = watchedStore(2);
    const clock = clockAt(start);
    const retryMs = 5_000;
    const ledger = createSharedRateLedger({ store: watched.store, now: () => clock.now(), retryMs });
    const limit = { rpm: 10 };
    watched.failing = true;
    let shares = 0;
    ledger.onShare(() => {
      shares += 1;
    });
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    await settle();
    // A failed lease is news too: the requests waiting look again.
    expect(shares).toBe(1);
    // Two instances were last seen: this one keeps to 5 of the 10, counting itself.
    for (let sent = 0; sent < 5; sent++) {
      expect(ledger.check('k', 'm', limit, clock.now())).toBeUndefined();
      ledger.spend('k', 'm', limit, clock.now());
    }
    expect(ledger.check('k', 'm', limit, clock.now())).toBe(start + 60_000);
    // Other keys too, without asking the store each time.
    expect(ledger.check('other', 'm', limit, clock.now())).toBeUndefined();
    expect(watched.requests).toHaveLength(1);

    clock.nowMs += retryMs - 1;
    expect(ledger.check('other', 'm', limit, clock.now())).toBeUndefined();
    expect(watched.requests).toHaveLength(1);

    // The retry time passed: the store is asked again, and answers.
    clock.nowMs += 1;
    watched.failing = false;
    expect(ledger.check('other', 'm', limit, clock.now())).toBe('pending');
    expect(watched.requests).toHaveLength(2);
    await settle();
    expect(ledger.check('other', 'm', limit, clock.now())).toBeUndefined();
    expect(shares).toBe(2);
  });

  it('adds the requests it sent during the outage to the store once it answers, so the limit holds', async () => {
    const watched = watchedStore(2);
    const clock = clockAt(start);
    const ledger = createSharedRateLedger({ store: watched.store, now: () => clock.now(), retryMs: 1_000 });
    const limit = { rpm: 10 };
    watched.failing = true;
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    await settle();
    for (let sent = 0; sent < 5; sent++) ledger.spend('k', 'm', limit, clock.now());
    clock.nowMs += 1_000;
    watched.failing = false;
    expect(ledger.check('k', 'm', limit, clock.now())).toBe('pending');
    expect(watched.requests.at(-1)).toMatchObject({ spent: 5 });
    await settle();
    // Another instance now finds 5 of the 10 taken (and this one holds its grant).
    const other = await watched.store.lease({
      bucket: 'k m',
      want: 10,
      minute: { startMs: start, limit: 10 },
    });
    expect(other.granted).toBe(4);
    // Reported once: the next lease carries nothing more.
    ledger.spend('k', 'm', limit, clock.now());
    await settle();
    expect(watched.requests.at(-1)?.spent).toBeUndefined();
  });

  it('keeps to its part through a pool while the store is out, then shares again', async () => {
    const watched = watchedStore(2);
    const clock = clockAt(start);
    const pool = createKeyPool(['k'], {
      clock,
      random: () => 0,
      softFailureLimit: 3,
      rateLimits: { '*': { rpm: 10 } },
      rateLedger: createSharedRateLedger({ store: watched.store, now: () => clock.now(), retryMs: 1_000 }),
    });
    watched.failing = true;
    let sent = 0;
    const run = async () => {
      for (let round = 0; round < 30; round++) {
        const selection = pool.select('m');
        if (selection.kind === 'key') {
          sent += 1;
          pool.report(selection.key, 'm', ok);
        }
        await settle();
      }
    };
    await run();
    expect(sent).toBe(5);
    expect(pool.select('m')).toEqual({ kind: 'none', reason: 'resting', retryAtMs: start + 60_000 });
    expect(watched.requests).toHaveLength(1);

    // The next minute the store answers again: the whole limit is shared, no longer a part.
    watched.failing = false;
    clock.nowMs += 60_000;
    await run();
    expect(sent).toBe(15);
    expect(watched.requests.length).toBeGreaterThan(1);
  });
});
