import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorLogEntry, RequestLogEntry } from '../core/log-sink.js';
import { createLogWriter, type LogWriterEvent } from './create-log-writer.js';
import type { LogRepository } from './log-repository.js';
import { RejectedRowsError } from './rejected-rows-error.js';
import type { WriteMark } from './write-in-order.js';

const entry = (status: number): RequestLogEntry => ({
  createdAt: 1,
  route: 'gemini generateContent',
  model: 'm',
  keyId: 'abcd1234abcd1234',
  status,
  success: status === 200,
  latencyMs: 1,
  attempts: 1,
  stream: false,
});

const errorEntry = (message: string): ErrorLogEntry => ({
  createdAt: 1,
  route: 'gemini generateContent',
  model: 'm',
  keyId: null,
  status: 503,
  errorType: 'upstream-error',
  message,
  requestBody: null,
});

/**
 * A repository standing in for the database: `failures` calls fail as a lost connection would,
 * then it recovers; a row with status 999 is refused as a value too long for its column would be.
 */
function fakeRepository(failures = 0) {
  const written: { requests: number[]; errors: string[] } = { requests: [], errors: [] };
  const calls: { atMs: number; rows: number }[] = [];
  let left = failures;
  const repository: LogRepository = {
    async insertRequests(entries) {
      calls.push({ atMs: Date.now(), rows: entries.length });
      if (left > 0) {
        left -= 1;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
      if (entries.some((row) => row.status === 999)) throw new RejectedRowsError('value too long');
      written.requests.push(...entries.map((row) => row.status));
    },
    async insertErrors(entries) {
      written.errors.push(...entries.map((row) => row.message));
    },
  };
  const fail = (count: number) => {
    left = count;
  };
  return { written, calls, repository, fail };
}

describe('createLogWriter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes queued entries in one batch per flush', async () => {
    const { calls, written, repository } = fakeRepository();
    const writer = createLogWriter(repository, { flushIntervalMs: 60_000 });
    writer.request(entry(200));
    writer.request(entry(429));
    expect(written.requests).toEqual([]);
    await writer.flush();
    expect(written.requests).toEqual([200, 429]);
    expect(calls.map((call) => call.rows)).toEqual([2]);
    await writer.close();
  });

  it('flushes on its timer', async () => {
    const { written, repository } = fakeRepository();
    const writer = createLogWriter(repository, { flushIntervalMs: 10 });
    writer.request(entry(200));
    await expect.poll(() => written.requests.length).toBe(1);
    await writer.close();
  });

  it('holds entries through an outage and writes all of them in order once storage is back', async () => {
    vi.useFakeTimers();
    const { written, repository } = fakeRepository(3);
    const events: LogWriterEvent[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 10,
      retryDelayMs: { first: 20, max: 1000 },
      onEvent: (event) => events.push(event),
    });
    for (let status = 1; status <= 30; status++) {
      writer.request(entry(status));
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(500);
    expect(written.requests).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(events.map((event) => event.kind)).toEqual(['outage', 'recovered']);
    expect(events[1]).toMatchObject({ kind: 'recovered', dropped: 0 });
    expect((events[1] as { delayed: number }).delayed).toBeGreaterThanOrEqual(3);
    await writer.close();
  });

  it('backs off from the first retry delay, doubling up to its maximum, and warns once', async () => {
    vi.useFakeTimers({ now: 0 });
    const { calls, repository } = fakeRepository(Number.POSITIVE_INFINITY);
    const events: LogWriterEvent[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 10,
      retryDelayMs: { first: 20, max: 80 },
      onEvent: (event) => events.push(event),
    });
    writer.request(entry(1));
    await vi.advanceTimersByTimeAsync(500);
    // Tries at 10 ms, then 20, 40, 80, 80, ... ms after each failure, on the timer's 10 ms ticks.
    expect(calls.map((call) => call.atMs)).toEqual([10, 30, 70, 150, 230, 310, 390, 470]);
    expect(events.map((event) => event.kind)).toEqual(['outage']);
  });

  it('sends a write cut off with its connection again under its id, before anything newer', async () => {
    const calls: { statuses: number[]; mark: WriteMark | undefined }[] = [];
    const writer = createLogWriter(
      {
        async insertRequests(entries, mark) {
          calls.push({ statuses: entries.map((row) => row.status), mark });
          // The first write reaches the database, and the connection dies before its answer.
          if (calls.length === 1) throw Object.assign(new Error('Connection lost'), { code: 'ECONNRESET' });
        },
        insertErrors: async () => {},
      },
      { flushIntervalMs: 60_000 },
    );
    writer.request(entry(1));
    writer.request(entry(2));
    await writer.flush();
    writer.request(entry(3));
    await writer.flush();
    const [first, retry, newer] = calls;
    expect(retry).toEqual({ statuses: [1, 2], mark: { id: first?.mark?.id, retried: true } });
    expect(first?.mark).toEqual({ id: expect.any(String), retried: false });
    expect(newer).toEqual({ statuses: [3], mark: { id: expect.any(String), retried: false } });
    expect(newer?.mark?.id).not.toBe(first?.mark?.id);
    await writer.close();
  });

  it('tries at once when asked to flush during the backoff', async () => {
    const { written, repository } = fakeRepository(1);
    const writer = createLogWriter(repository, {
      flushIntervalMs: 60_000,
      retryDelayMs: { first: 60_000, max: 60_000 },
    });
    writer.request(entry(1));
    await writer.flush();
    expect(written.requests).toEqual([]);
    await writer.flush();
    expect(written.requests).toEqual([1]);
    await writer.close();
  });

  it('bounds what it holds; what is dropped is counted in the recovery report', async () => {
    const { written, repository, fail } = fakeRepository();
    const events: LogWriterEvent[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 60_000,
      maxQueued: 3,
      onEvent: (event) => events.push(event),
    });
    fail(1);
    writer.request(entry(1));
    writer.request(entry(2));
    await writer.flush();
    for (const status of [3, 4, 5]) writer.request(entry(status));
    // The metrics' view: what is held, and every drop since start (the reports restart their count).
    expect(writer.backlog()).toEqual({ queued: 3, dropped: 2 });
    await writer.flush();
    expect(written.requests).toEqual([1, 2, 3]);
    expect(events).toEqual([
      { kind: 'outage', error: expect.any(Error) },
      { kind: 'recovered', downMs: expect.any(Number), delayed: 3, dropped: 2 },
    ]);
    expect(writer.backlog()).toEqual({ queued: 0, dropped: 2 });
    await writer.close();
  });

  it('bounds the text held in error entries', async () => {
    const { written, repository } = fakeRepository();
    const writer = createLogWriter(repository, { flushIntervalMs: 60_000, maxQueuedErrorChars: 10 });
    writer.error(errorEntry('12345'));
    writer.error(errorEntry('67890'));
    writer.error(errorEntry('x'));
    await writer.flush();
    writer.error(errorEntry('after'));
    await writer.flush();
    expect(written.errors).toEqual(['12345', '67890', 'after']);
    await writer.close();
  });

  it('leaves out only a row the database refuses, and reports it without an outage', async () => {
    const { written, repository } = fakeRepository();
    const events: LogWriterEvent[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 60_000,
      onEvent: (event) => events.push(event),
    });
    for (const status of [1, 2, 999, 4, 5, 6, 7]) writer.request(entry(status));
    await writer.flush();
    expect(written.requests).toEqual([1, 2, 4, 5, 6, 7]);
    expect(events).toEqual([{ kind: 'rejected', entries: 1, error: expect.any(RejectedRowsError) }]);
    await writer.close();
  });

  it('reports at close what it could not write', async () => {
    const { repository } = fakeRepository(Number.POSITIVE_INFINITY);
    const events: LogWriterEvent[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 60_000,
      onEvent: (event) => events.push(event),
    });
    writer.request(entry(1));
    writer.error(errorEntry('lost'));
    await writer.close();
    expect(events.map((event) => event.kind)).toEqual(['outage', 'unwritten']);
    expect(events[1]).toEqual({ kind: 'unwritten', entries: 2, dropped: 0 });
  });

  it('hands entries over unchanged', async () => {
    const handed: RequestLogEntry[][] = [];
    const writer = createLogWriter(
      {
        insertRequests: async (entries) => void handed.push([...entries]),
        insertErrors: async () => {},
      },
      { flushIntervalMs: 60_000 },
    );
    const entries = [entry(200), { ...entry(429), model: null, keyId: null, stream: true }];
    for (const item of entries) writer.request(item);
    await writer.close();
    expect(handed).toEqual([entries]);
  });
});
