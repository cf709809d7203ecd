import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryFactHub } from '../src/core/create-memory-fact-hub.js';
import { createMemorySharedRecords } from '../src/core/create-memory-shared-records.js';
import type { FactBus } from '../src/core/fact-bus.js';
import type { SharedRecords } from '../src/core/shared-records.js';
import { createMemoryLeaseStore } from '../src/keypool/create-memory-lease-store.js';
import type { LeaseGrant, LeaseStore } from '../src/keypool/rate-ledger.js';
import { openRedisState } from '../src/storage/open-redis-state.js';

// What instances share (src/core/fact-bus.ts, src/keypool/rate-ledger.ts): one contract, held by
// the memory implementations (one process) and by Redis (instances behind a balancer).

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Fact {
  readonly n: number;
}

interface Instance {
  readonly bus: FactBus<Fact>;
  readonly leases: LeaseStore;
  readonly records: SharedRecords;
}

/** Instances that share state; each test gets a world of its own. */
interface World {
  join(instance: string): Promise<Instance>;
  /** Writes an entry to the bus that no gateway wrote; absent where that cannot happen. */
  readonly writeRaw?: (fields: Record<string, string>) => Promise<void>;
  close(): Promise<void>;
}

const implementations: Record<'memory' | 'redis', () => World> = {
  memory() {
    const hub = createMemoryFactHub<Fact>();
    const leases = createMemoryLeaseStore(2);
    const records = createMemorySharedRecords();
    const buses: FactBus<Fact>[] = [];
    return {
      async join(instance) {
        const bus = hub.join(instance);
        buses.push(bus);
        return { bus, leases, records };
      },
      async close() {
        await Promise.all(buses.map((bus) => bus.close()));
      },
    };
  },
  redis() {
    const prefix = `gemgate-test-${randomUUID()}`;
    const raw = new Redis(redisUrl, { lazyConnect: true });
    const opened: { close(): Promise<void> }[] = [];
    return {
      async join(instance) {
        const state = await openRedisState<Fact>({
          url: redisUrl,
          instance,
          prefix,
          onOutage: (error) => {
            throw new Error(`Redis at ${redisUrl} did not answer: ${error.message}`);
          },
          onRecovery: () => {},
        });
        opened.push(state);
        expect(state.connected()).toBe(true);
        return { bus: state.bus, leases: state.leases, records: state.records };
      },
      async writeRaw(fields) {
        await raw.xadd(`${prefix}:facts`, '*', ...Object.entries(fields).flat());
      },
      async close() {
        await Promise.all(opened.map((state) => state.close()));
        const keys = await raw.keys(`${prefix}:*`);
        if (keys.length > 0) await raw.del(...keys);
        expect(await raw.keys(`${prefix}:*`)).toEqual([]);
        raw.disconnect();
      },
    };
  },
};

/** Everything a bus delivers to one instance, with the time it came. */
function listen(bus: FactBus<Fact>) {
  const received: { fact: Fact; lagMs: number; atMs: number }[] = [];
  bus.subscribe((fact, lagMs) => received.push({ fact, lagMs, atMs: Date.now() }));
  return {
    received,
    facts: () => received.map((entry) => entry.fact),
  };
}

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
const facts = (...numbers: number[]) => numbers.map((n) => ({ n }));

// Windows as the ledger names them: the current minute, and a day that ends in the future (Redis
// forgets a counter once its window is over, so windows in the past would not count).
const minuteMs = 60_000;
const thisMinute = () => Date.now() - (Date.now() % minuteMs);
const dayEnd = () => thisMinute() + 24 * 3_600_000;

describe.each(Object.keys(implementations) as (keyof typeof implementations)[])(
  'shared state on %s',
  (name) => {
    let world: World | undefined;
    const open = () => {
      world = implementations[name]();
      return world;
    };
    afterEach(async () => {
      await world?.close();
      world = undefined;
    });

    describe('the fact bus', () => {
      it('delivers what A publishes to B, not to A, in publish order, within a second', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        const atA = listen(a.bus);
        const atB = listen(b.bus);
        const sentMs = Date.now();
        for (const fact of facts(1, 2, 3, 4, 5)) a.bus.publish(fact);
        await until(() => atB.received.length >= 5, 1_000);
        expect(atB.facts()).toEqual(facts(1, 2, 3, 4, 5));
        for (const entry of atB.received) {
          expect(entry.atMs - sentMs).toBeLessThan(1_000);
          expect(entry.lagMs).toBeGreaterThanOrEqual(0);
          expect(entry.lagMs).toBeLessThan(1_000);
        }
        // B answers, and A hears only B.
        b.bus.publish({ n: 6 });
        await until(() => atA.received.length >= 1, 1_000);
        await pause(100);
        expect(atA.facts()).toEqual(facts(6));
        expect(atB.facts()).toEqual(facts(1, 2, 3, 4, 5));
      });

      it('gives an instance that joins later the facts published before it joined first, in order, each once', async () => {
        const shared = open();
        const a = await shared.join('a');
        const witness = listen((await shared.join('witness')).bus);
        for (const fact of facts(1, 2, 3)) a.bus.publish(fact);
        await until(() => witness.received.length >= 3);

        const b = await shared.join('b');
        const atB = listen(b.bus);
        a.bus.publish({ n: 4 });
        await until(() => atB.received.length >= 4);
        await pause(100);
        expect(atB.facts()).toEqual(facts(1, 2, 3, 4));
      });

      it('delivers once a fact published in the moment an instance subscribes', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        a.bus.publish({ n: 1 });
        const atB = listen(b.bus);
        await until(() => atB.received.length >= 1);
        a.bus.publish({ n: 2 });
        await until(() => atB.received.length >= 2);
        await pause(100);
        expect(atB.facts()).toEqual(facts(1, 2));
      });
    });

    describe('the shared records', () => {
      it('gives B what A put, the last value put, until its time runs out', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        expect(await b.records.get('job:nothing')).toBeUndefined();
        a.records.put('job:one', '{"done":1}', 60_000);
        a.records.put('job:one', '{"done":2}', 60_000);
        a.records.put('job:brief', 'soon gone', 150);
        await pause(20);
        expect(await b.records.get('job:one')).toBe('{"done":2}');
        expect(await b.records.get('job:brief')).toBe('soon gone');
        await pause(250);
        expect(await b.records.get('job:brief')).toBeUndefined();
      });
    });

    describe('the lease store', () => {
      it('never grants more than the minute’s limit to two instances leasing at once', async () => {
        const shared = open();
        const instances = [await shared.join('a'), await shared.join('b')];
        const minute = { startMs: thisMinute(), limit: 10 };
        const grants = await Promise.all(
          Array.from({ length: 50 }, (_, index) =>
            (instances[index % 2] as Instance).leases.lease({ bucket: 'k m', want: 3, minute }),
          ),
        );
        expect(grants.reduce((sum, grant) => sum + grant.granted, 0)).toBe(10);
        for (const grant of grants) {
          expect(grant.granted).toBeGreaterThanOrEqual(0);
          expect(grant.granted).toBeLessThanOrEqual(3);
          expect(grant.dayLeft).toBeNull();
        }
        expect(Math.min(...grants.map((grant) => grant.minuteLeft ?? -1))).toBe(0);
        // What each was told is left is what the counters held once it was granted: 7, 4, 1, 0, ...
        const told = grants.map((grant) => grant.minuteLeft).sort((x, y) => (y ?? 0) - (x ?? 0));
        expect(told.slice(0, 4)).toEqual([7, 4, 1, 0]);
        expect(await instances[0]?.leases.lease({ bucket: 'k m', want: 1, minute })).toEqual({
          granted: 0,
          minuteLeft: 0,
          dayLeft: null,
        });
      });

      it('tells what is left in each window, and null for a window without a limit', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        const minute = { startMs: thisMinute(), limit: 10 };
        const day = { endMs: dayEnd(), limit: 100 };
        expect(await a.leases.lease({ bucket: 'k m', want: 3, minute, day })).toEqual<LeaseGrant>({
          granted: 3,
          minuteLeft: 7,
          dayLeft: 97,
        });
        expect(await b.leases.lease({ bucket: 'k m', want: 4, minute, day })).toEqual<LeaseGrant>({
          granted: 4,
          minuteLeft: 3,
          dayLeft: 93,
        });
        expect(await a.leases.lease({ bucket: 'k m', want: 5, minute, day })).toEqual<LeaseGrant>({
          granted: 3,
          minuteLeft: 0,
          dayLeft: 90,
        });
      });

      it('caps by the day’s limit across minutes', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        const day = { endMs: dayEnd(), limit: 5 };
        const minute = (offset: number) => ({ startMs: thisMinute() + offset * minuteMs, limit: 10 });
        expect(await a.leases.lease({ bucket: 'k m', want: 3, minute: minute(0), day })).toEqual({
          granted: 3,
          minuteLeft: 7,
          dayLeft: 2,
        });
        expect(await b.leases.lease({ bucket: 'k m', want: 3, minute: minute(1), day })).toEqual({
          granted: 2,
          minuteLeft: 8,
          dayLeft: 0,
        });
        expect(await a.leases.lease({ bucket: 'k m', want: 3, minute: minute(2), day })).toEqual({
          granted: 0,
          minuteLeft: 10,
          dayLeft: 0,
        });
      });

      it('counts each bucket and each minute on its own', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        const minute = { startMs: thisMinute(), limit: 2 };
        expect((await a.leases.lease({ bucket: 'k1 m', want: 5, minute })).granted).toBe(2);
        expect((await b.leases.lease({ bucket: 'k1 m', want: 5, minute })).granted).toBe(0);
        expect(await b.leases.lease({ bucket: 'k2 m', want: 5, minute })).toMatchObject({
          granted: 2,
          minuteLeft: 0,
        });
        expect((await a.leases.lease({ bucket: 'k1 other', want: 1, minute })).granted).toBe(1);
        const next = { startMs: minute.startMs + minuteMs, limit: 2 };
        expect(await b.leases.lease({ bucket: 'k1 m', want: 5, minute: next })).toEqual({
          granted: 2,
          minuteLeft: 0,
          dayLeft: null,
        });
      });

      it('counts requests sent without a grant before it grants more', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        const minute = { startMs: thisMinute(), limit: 10 };
        expect(await a.leases.lease({ bucket: 'k m', want: 5, spent: 8, minute })).toMatchObject({
          granted: 2,
          minuteLeft: 0,
        });
        // Past the limit already (an outage sent more than its part): nothing more, never below zero.
        expect(await b.leases.lease({ bucket: 'k m', want: 1, spent: 3, minute })).toMatchObject({
          granted: 0,
          minuteLeft: 0,
        });
      });

      it('holds a bucket limited only by the day', async () => {
        const shared = open();
        const a = await shared.join('a');
        const b = await shared.join('b');
        const day = { endMs: dayEnd(), limit: 4 };
        expect(await a.leases.lease({ bucket: 'k m', want: 3, day })).toEqual({
          granted: 3,
          minuteLeft: null,
          dayLeft: 1,
        });
        expect(await b.leases.lease({ bucket: 'k m', want: 3, day })).toEqual({
          granted: 1,
          minuteLeft: null,
          dayLeft: 0,
        });
        expect(await a.leases.lease({ bucket: 'k m', want: 3, day })).toEqual({
          granted: 0,
          minuteLeft: null,
          dayLeft: 0,
        });
        // Another day is another count.
        expect(
          (await b.leases.lease({ bucket: 'k m', want: 3, day: { ...day, endMs: day.endMs + 86_400_000 } }))
            .granted,
        ).toBe(3);
      });
    });
  },
);

// What only Redis can meet: entries no gateway wrote, and a server that does not answer.
describe('shared state on Redis, beyond the contract', () => {
  let world: World | undefined;
  const open = () => {
    world = implementations.redis();
    return world;
  };
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('skips entries no gateway wrote, and goes on delivering after them', async () => {
    const shared = open();
    const writeRaw = shared.writeRaw;
    if (!writeRaw) throw new Error('this implementation cannot hold a malformed entry');
    const a = await shared.join('a');
    a.bus.publish({ n: 1 });
    const witness = listen((await shared.join('witness')).bus);
    await until(() => witness.received.length >= 1);
    await writeRaw({ i: 'x', t: String(Date.now()), f: '{not json' });
    await writeRaw({ i: 'x', t: String(Date.now()) });
    await writeRaw({ garbage: 'yes' });
    await writeRaw({ f: '' });
    // A fact whose time is not a time: delivered, its lag taken from the entry's id.
    await writeRaw({ i: 'x', t: 'soon', f: JSON.stringify({ n: 2 }) });
    a.bus.publish({ n: 3 });

    // One reading from the start (B), one already reading when they came (the witness).
    const atB = listen((await shared.join('b')).bus);
    await until(() => atB.received.length >= 2 && witness.received.length >= 3);
    await until(() => atB.received.length >= 3);
    a.bus.publish({ n: 4 });
    await until(() => atB.received.length >= 4 && witness.received.length >= 4);
    expect(atB.facts()).toEqual(facts(1, 2, 3, 4));
    expect(witness.facts()).toEqual(facts(1, 2, 3, 4));
    for (const { lagMs } of [...atB.received, ...witness.received]) {
      expect(Number.isFinite(lagMs)).toBe(true);
      expect(lagMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('starts without Redis, reports the outage once, and never blocks on it', async () => {
    const outages: Error[] = [];
    const startedMs = Date.now();
    const state = await openRedisState<Fact>({
      // Nothing listens on port 1: Redis does not answer.
      url: 'redis://127.0.0.1:1',
      instance: 'lonely',
      prefix: `gemgate-test-${randomUUID()}`,
      connectWaitMs: 200,
      onOutage: (error) => outages.push(error),
      onRecovery: () => {
        throw new Error('there is no Redis to recover');
      },
    });
    expect(Date.now() - startedMs).toBeLessThan(1_500);
    expect(state.connected()).toBe(false);
    // Reconnections keep failing: still one outage.
    await pause(700);
    expect(outages).toHaveLength(1);
    expect(state.leases.instances()).toBe(1);

    const leaseStartMs = Date.now();
    await expect(
      state.leases.lease({ bucket: 'k m', want: 1, minute: { startMs: thisMinute(), limit: 10 } }),
    ).rejects.toThrow();
    expect(Date.now() - leaseStartMs).toBeLessThan(1_500);

    const listener = listen(state.bus);
    expect(() => {
      state.bus.publish({ n: 1 });
      state.bus.publish({ n: 2 });
    }).not.toThrow();
    await pause(20);
    expect(state.backlog()).toBe(2);
    state.bus.publish({ n: 3 });
    expect(state.backlog()).toBe(3);
    expect(state.dropped()).toBe(0);
    expect(listener.received).toEqual([]);
    // A record is neither kept nor read, and neither throws.
    expect(() => state.records.put('job:x', 'y', 60_000)).not.toThrow();
    await expect(state.records.get('job:x')).resolves.toBeUndefined();

    const closeStartMs = Date.now();
    await expect(state.close()).resolves.toBeUndefined();
    expect(Date.now() - closeStartMs).toBeLessThan(1_500);
    await pause(300);
    expect(outages).toHaveLength(1);
  });
});
