import { Redis } from 'ioredis';
import type { FactBus } from '../core/fact-bus.js';
import type { SharedRecords } from '../core/shared-records.js';
import type { LeaseGrant, LeaseRequest, LeaseStore } from '../keypool/rate-ledger.js';

export interface RedisStateOptions {
  /** REDIS_URL: `redis://[:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** This instance's name on the bus: its own facts are not delivered back to it. */
  readonly instance: string;
  /** The prefix of every Redis key this gateway uses; tests give each run its own. */
  readonly prefix?: string;
  /** The first failure of an outage; later failures of the same outage are not reported. */
  readonly onOutage: (error: Error) => void;
  readonly onRecovery: (report: { readonly downMs: number; readonly unsent: number }) => void;
  /** A listener of the bus threw on a fact; the fact is skipped for it, delivered to the others. */
  readonly onListenerError?: (error: unknown) => void;
  /** How long a start waits for Redis before serving from its own view (and catching up later). */
  readonly connectWaitMs?: number;
}

/** The instances' shared state in Redis: the fact bus (a stream) and the counters of rate limits. */
export interface RedisState<T> {
  readonly bus: FactBus<T>;
  readonly leases: LeaseStore;
  readonly records: SharedRecords;
  connected(): boolean;
  /** Facts waiting to be sent while Redis is out of reach. */
  backlog(): number;
  /** Facts dropped because the backlog was full (the oldest go first). */
  dropped(): number;
  close(): Promise<void>;
}

// The stream keeps the last facts: a new instance reads them at start, one that lost Redis for a
// while reads what it missed. Key states are also in the database, so the bound costs nothing lasting.
const streamLength = 10_000;
const maxBacklog = 10_000;
const heartbeatMs = 5_000;
// An instance not seen for this long no longer counts when a limit is divided during an outage.
const instanceTimeoutMs = 20_000;

/**
 * Grants up to `want` of a key's requests in the minute and day windows, never more than either
 * has left, atomically (one script). A negative limit means the window has none.
 * Requests `spent` without a grant (during an outage) are counted first.
 * KEYS: minute counter, day counter. ARGV: want, minute limit, day limit, minute expiry, day expiry (ms), spent.
 */
const leaseScript = `
local want = tonumber(ARGV[1])
local limits = { tonumber(ARGV[2]), tonumber(ARGV[3]) }
local expiries = { ARGV[4], ARGV[5] }
local spent = tonumber(ARGV[6])
for i = 1, 2 do
  if limits[i] >= 0 and spent > 0 then
    redis.call('INCRBY', KEYS[i], spent)
    redis.call('PEXPIREAT', KEYS[i], expiries[i])
  end
end
local function left(i)
  if limits[i] < 0 then return -1 end
  return math.max(0, limits[i] - tonumber(redis.call('GET', KEYS[i]) or '0'))
end
local granted = want
for i = 1, 2 do
  local l = left(i)
  if l >= 0 and l < granted then granted = l end
end
for i = 1, 2 do
  if limits[i] >= 0 and granted > 0 then
    redis.call('INCRBY', KEYS[i], granted)
    redis.call('PEXPIREAT', KEYS[i], expiries[i])
  end
end
return { granted, left(1), left(2) }
`;

interface Entry {
  readonly instance: string;
  readonly sentMs: number;
  readonly fact: string;
}

/**
 * Opens the connections to Redis. Nothing here ever fails a request: commands are not queued
 * while Redis is away (they fail at once, and the callers fall back to their own view), facts
 * wait in a bounded backlog, and the outage is reported once, its end once.
 */
export async function openRedisState<T>(options: RedisStateOptions): Promise<RedisState<T>> {
  const prefix = options.prefix ?? 'gemgate';
  const streamKey = `${prefix}:facts`;
  const instancesKey = `${prefix}:instances`;
  const connectionOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(times * 100, 1_000),
    // A Redis that hangs must not hold a lease (and a request) for long.
    commandTimeout: 1_000,
  };
  const commands = new Redis(options.url, connectionOptions);
  // A blocking read has a connection of its own, and no command timeout: it waits on purpose.
  const reader = new Redis(options.url, { ...connectionOptions, commandTimeout: undefined });

  let closed = false;
  let down: { sinceMs: number } | undefined;
  let backlog: Entry[] = [];
  let dropped = 0;
  let instanceCount = 1;
  const factListeners: ((fact: T, lagMs: number) => void)[] = [];
  const reconnectListeners: (() => void)[] = [];
  let reading = false;
  let readyWaiters: (() => void)[] = [];

  const isUp = () => commands.status === 'ready' && reader.status === 'ready';

  function markDown(error: Error): void {
    if (closed || down) return;
    down = { sinceMs: Date.now() };
    options.onOutage(error);
  }

  function onReady(): void {
    for (const wake of readyWaiters) wake();
    readyWaiters = [];
    if (!isUp()) return;
    void heartbeat();
    if (!down) return;
    const downMs = Date.now() - down.sinceMs;
    down = undefined;
    options.onRecovery({ downMs, unsent: backlog.length });
    void flush();
    for (const listener of reconnectListeners) listener();
  }

  for (const connection of [commands, reader]) {
    // ioredis reports each failed reconnection: one outage is one report (markDown).
    connection.on('error', (error: Error) => markDown(error));
    connection.on('close', () => markDown(new Error('connection to Redis closed')));
    connection.on('ready', onReady);
  }

  const untilReady = (ms: number) =>
    new Promise<void>((done) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      readyWaiters.push(() => {
        clearTimeout(timer);
        done();
      });
    });

  let flushing = false;
  async function flush(): Promise<void> {
    if (flushing || closed) return;
    flushing = true;
    try {
      while (backlog.length > 0 && commands.status === 'ready') {
        const batch = backlog.slice(0, 500);
        const pipeline = commands.pipeline();
        for (const entry of batch) {
          pipeline.xadd(
            streamKey,
            'MAXLEN',
            '~',
            streamLength,
            '*',
            'i',
            entry.instance,
            't',
            entry.sentMs,
            'f',
            entry.fact,
          );
        }
        const results = await pipeline.exec();
        const sent = results?.findIndex(([error]) => error) ?? -1;
        const count = sent === -1 ? batch.length : sent;
        backlog = backlog.slice(count);
        if (count < batch.length) break;
      }
    } catch {
      // Kept for the next flush, when Redis is back.
    } finally {
      flushing = false;
    }
  }

  async function heartbeat(): Promise<void> {
    if (closed || commands.status !== 'ready') return;
    const nowMs = Date.now();
    try {
      const results = await commands
        .multi()
        .zadd(instancesKey, nowMs, options.instance)
        .zremrangebyscore(instancesKey, '-inf', nowMs - instanceTimeoutMs)
        .zcard(instancesKey)
        .exec();
      const [error, count] = results?.[2] ?? [null, 1];
      if (!error) instanceCount = Math.max(1, Number(count));
    } catch {
      // The count of the last beat stands.
    }
  }
  const heartbeatTimer = setInterval(() => void heartbeat(), heartbeatMs);
  heartbeatTimer.unref();

  function deliver(id: string, fields: string[]): void {
    const entry: Record<string, string> = {};
    for (let index = 0; index + 1 < fields.length; index += 2)
      entry[fields[index] as string] = fields[index + 1] as string;
    if (entry.i === options.instance || entry.f === undefined) return;
    let fact: T;
    try {
      fact = JSON.parse(entry.f) as T;
    } catch {
      return; // Not written by a gateway: nothing to learn from it.
    }
    // The time the publisher wrote, or else the one Redis gave the entry: a lag is always a number.
    const sentMs = Number(entry.t);
    const lagMs = Math.max(0, Date.now() - (Number.isFinite(sentMs) ? sentMs : Number(id.split('-')[0])));
    for (const listener of factListeners) {
      // One listener's failure must not cost the others this fact, nor the read the facts after it.
      try {
        listener(fact, lagMs);
      } catch (error) {
        options.onListenerError?.(error);
      }
    }
  }

  /** Reads the stream from its start, then each fact as it comes, until closed. */
  async function readLoop(): Promise<void> {
    let lastId = '0';
    while (!closed) {
      if (reader.status !== 'ready') {
        await untilReady(1_000);
        continue;
      }
      try {
        const reply = (await reader.xread('COUNT', 500, 'BLOCK', 5_000, 'STREAMS', streamKey, lastId)) as
          | [string, [string, string[]][]][]
          | null;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            deliver(id, fields);
          }
        }
      } catch {
        if (!closed) await untilReady(1_000);
      }
    }
  }

  const bus: FactBus<T> = {
    publish(fact) {
      if (closed) return;
      backlog.push({ instance: options.instance, sentMs: Date.now(), fact: JSON.stringify(fact) });
      if (backlog.length > maxBacklog) {
        dropped += backlog.length - maxBacklog;
        backlog = backlog.slice(-maxBacklog);
      }
      // Facts of one tick go out in one pipeline.
      if (backlog.length === 1) queueMicrotask(() => void flush());
    },
    subscribe(listener) {
      factListeners.push(listener);
      if (!reading) {
        reading = true;
        void readLoop();
      }
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
    },
    close: () => close(),
  };

  const leases: LeaseStore = {
    async lease(request: LeaseRequest): Promise<LeaseGrant> {
      const minute = request.minute;
      const day = request.day;
      const [granted, minuteLeft, dayLeft] = (await commands.eval(
        leaseScript,
        2,
        `${prefix}:lease:m:${minute?.startMs ?? 0}:${request.bucket}`,
        `${prefix}:lease:d:${day?.endMs ?? 0}:${request.bucket}`,
        request.want,
        minute?.limit ?? -1,
        day?.limit ?? -1,
        (minute?.startMs ?? 0) + 120_000,
        (day?.endMs ?? 0) + 3_600_000,
        request.spent ?? 0,
      )) as [number, number, number];
      return {
        granted,
        minuteLeft: minute ? minuteLeft : null,
        dayLeft: day ? dayLeft : null,
      };
    },
    instances: () => instanceCount,
  };

  const records: SharedRecords = {
    put(name, value, ttlMs) {
      commands.set(`${prefix}:record:${name}`, value, 'PX', Math.max(1, Math.round(ttlMs))).catch(() => {});
    },
    get: (name) =>
      commands.get(`${prefix}:record:${name}`).then(
        (value) => value ?? undefined,
        () => undefined,
      ),
  };

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearInterval(heartbeatTimer);
    for (const wake of readyWaiters) wake();
    if (commands.status === 'ready') {
      await flush();
      await commands.zrem(instancesKey, options.instance).catch(() => undefined);
    }
    reader.disconnect();
    commands.disconnect();
  }

  const deadlineMs = Date.now() + (options.connectWaitMs ?? 2_000);
  while (!isUp() && Date.now() < deadlineMs) await untilReady(deadlineMs - Date.now());
  if (!isUp()) markDown(new Error('Redis did not answer at start'));
  await heartbeat();

  return {
    bus,
    leases,
    records,
    connected: isUp,
    backlog: () => backlog.length,
    dropped: () => dropped,
    close,
  };
}
