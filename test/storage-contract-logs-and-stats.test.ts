import { describe, expect, it } from 'vitest';
import type { ErrorLogEntry, RequestLogEntry } from '../src/core/log-sink.js';
import { parseLogCursor } from '../src/storage/log-filter.js';
import { createLogRepository } from '../src/storage/log-repository.js';
import {
  createLogSearchRepository,
  type LogPage,
  type RequestLogRow,
} from '../src/storage/log-search-repository.js';
import { createStatsRepository } from '../src/storage/stats-repository.js';
import { backendNames, useMigratedDatabase } from './helpers/database-backends.js';

// The log search and the statistics, one contract on every backend: filters, keyset pages, the
// text filter's literal wildcards, deletions, and rollups that add up across batches.

const hourMs = 3_600_000;
const base = Date.UTC(2030, 0, 15, 10, 0, 0);
const keyA = 'aaaaaaaaaaaaaaaa';
const keyB = 'bbbbbbbbbbbbbbbb';

function request(index: number, overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  const failed = index % 4 === 3;
  return {
    createdAt: base + index * 1000,
    route: 'gemini generateContent',
    model: index % 2 ? 'gemini-2.5-flash' : 'gemini-2.5-pro',
    keyId: failed ? keyB : keyA,
    status: failed ? 429 : 200,
    success: !failed,
    latencyMs: 100 + index,
    attempts: 1,
    stream: false,
    clientId: index % 3 ? 'c1c1c1c1c1c1c1c1' : 'admin',
    tokens: { input: 10, output: 5, thoughts: 1, cached: 0 },
    requestSeq: index + 1,
    trace: [
      {
        keyId: failed ? keyB : keyA,
        status: failed ? 429 : 200,
        outcome: failed ? 'quota-day' : 'ok',
        ms: 50,
      },
    ],
    ...(failed ? { errorClass: 'quota-day' } : {}),
    ...overrides,
  };
}

function error(index: number, message: string): ErrorLogEntry {
  return {
    createdAt: base + index * 1000,
    route: 'gemini generateContent',
    model: 'gemini-2.5-flash',
    keyId: keyB,
    status: 429,
    errorType: 'quota-day',
    message,
    requestBody: null,
    clientId: 'c1c1c1c1c1c1c1c1',
    requestSeq: index + 1,
  };
}

describe.each(backendNames)('log search and statistics on %s', (backend) => {
  const database = useMigratedDatabase(backend);

  it('finds rows by each filter, a keyset page at a time, and deletes them in every way', async () => {
    const repository = createLogRepository(database(), { instance: 'node-1' });
    await repository.insertRequests(Array.from({ length: 40 }, (_, index) => request(index)));
    await repository.insertErrors([
      error(3, 'Quota exceeded for 100% of requests_per_day'),
      error(7, 'Quota exceeded: plain'),
    ]);
    const logs = createLogSearchRepository(database().db);
    const since = { fromMs: base };

    const pages: number[][] = [];
    let cursor: string | undefined;
    do {
      const page = await logs.search('request_log', {
        filter: since,
        limit: 15,
        descending: true,
        ...(cursor ? { cursor: parseLogCursor(cursor) } : {}),
      });
      pages.push(page.rows.map((row) => Number(row.created_at) - base));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([15, 15, 10]);
    expect(pages.flat()).toEqual(Array.from({ length: 40 }, (_, index) => (39 - index) * 1000));

    const count = async (filter: Parameters<typeof logs.search>[1]['filter']) =>
      (await logs.search('request_log', { filter: { ...since, ...filter }, limit: 100, descending: false }))
        .rows.length;
    expect(await count({ keyId: keyB })).toBe(10);
    expect(await count({ outcome: 'quota-day' })).toBe(10);
    expect(await count({ outcome: 'ok' })).toBe(30);
    expect(await count({ status: { from: 400, to: 499 } })).toBe(10);
    expect(await count({ model: 'gemini-2.5-pro' })).toBe(20);
    expect(await count({ clientId: 'admin' })).toBe(14);
    expect(await count({ toMs: base + 10_000 })).toBe(10);
    expect(await count({ text: 'FLASH' })).toBe(20);
    expect(await count({ text: 'node-1' })).toBe(40);

    const errors = (text: string) =>
      logs.search('error_log', { filter: { ...since, text }, limit: 10, descending: true });
    expect((await errors('100%')).rows.map((row) => row.message)).toEqual([
      'Quota exceeded for 100% of requests_per_day',
    ]);
    expect((await errors('%')).rows).toHaveLength(1);
    expect((await errors('_per_')).rows).toHaveLength(1);
    expect((await errors('!')).rows).toHaveLength(0);
    const [first] = (await logs.search('request_log', { filter: since, limit: 1, descending: false })).rows;
    expect(first).toMatchObject({ instance: 'node-1', client_id: 'admin' });
    expect(first?.request_ref).toMatch(/^[\w-]{8}1$/);
    expect(await logs.requestById(Number(first?.id))).toMatchObject({ request_ref: first?.request_ref });
    const eighth = (await logs.search('request_log', { filter: since, limit: 8, descending: false })).rows[7];
    // Request 7 and its error row share a reference, different from every other request's.
    expect(eighth?.request_ref?.slice(0, 8)).toBe(first?.request_ref?.slice(0, 8));
    expect((await logs.errorsOfRequest(eighth?.request_ref ?? '')).map((row) => row.message)).toEqual([
      'Quota exceeded: plain',
    ]);

    // A search no index narrows reads a bounded window per page: short pages, then the rest, every
    // matching row once, in order.
    const windowed = createLogSearchRepository(database().db, { maxScannedRows: 8 });
    const found: number[] = [];
    let pagesRead = 0;
    let next: string | undefined;
    do {
      const page: LogPage<RequestLogRow> = await windowed.search('request_log', {
        filter: { ...since, text: 'pro' },
        limit: 50,
        descending: true,
        ...(next ? { cursor: parseLogCursor(next) } : {}),
      });
      pagesRead += 1;
      found.push(...page.rows.map((row) => (Number(row.created_at) - base) / 1000));
      if (page.rows.length < 50 && page.nextCursor) expect(page.scannedTo).toBeGreaterThan(0);
      next = page.nextCursor;
    } while (next);
    expect(found).toEqual(Array.from({ length: 20 }, (_, index) => 38 - index * 2));
    expect(pagesRead).toBeGreaterThan(1);
    const ascending: number[] = [];
    next = undefined;
    do {
      const page: LogPage<RequestLogRow> = await windowed.search('request_log', {
        filter: { ...since, text: 'nothing holds this' },
        limit: 5,
        descending: false,
        ...(next ? { cursor: parseLogCursor(next) } : {}),
      });
      ascending.push(...page.rows.map((row) => Number(row.id)));
      next = page.nextCursor;
    } while (next);
    expect(ascending).toEqual([]);

    let scanned = 0;
    for await (const rows of logs.scan('request_log', { ...since, keyId: keyA }, 7)) scanned += rows.length;
    expect(scanned).toBe(30);
    // An export reads on past windows that hold no match: 12 older successes first, then the 10
    // quota-day rows (an empty window once ended the scan with nothing).
    // Written past the repository, which would count them in the rollups the next test reads.
    await database()
      .db.insertInto('request_log')
      .values(
        Array.from({ length: 12 }, (_, index) => ({
          created_at: base - (20 - index) * 1000,
          route: 'gemini generateContent',
          model: 'gemini-2.5-pro',
          key_id: keyA,
          status: 200,
          success: 1,
          latency_ms: 100,
          attempts: 1,
          stream: 0,
        })),
      )
      .execute();
    let exported = 0;
    for await (const rows of windowed.scan('request_log', { outcome: 'quota-day' }, 5))
      exported += rows.length;
    expect(exported).toBe(10);

    expect(await logs.delete('request_log', { ids: [Number(first?.id)] })).toBe(1);
    expect(await logs.delete('request_log', { filter: { ...since, keyId: keyB } })).toBe(10);
    expect(await count({})).toBe(29);
    expect(await logs.delete('request_log', { all: true })).toBeGreaterThanOrEqual(29);
    expect(await count({})).toBe(0);
  });

  it('adds batches up in the rollups and reads them back per period, group and key', async () => {
    const repository = createLogRepository(database());
    const later = base + 5 * 24 * hourMs;
    const entries = Array.from({ length: 20 }, (_, index) =>
      request(index, { createdAt: later + index * 1000 }),
    );
    await repository.insertRequests(entries.slice(0, 12));
    await repository.insertRequests(entries.slice(12));
    const stats = createStatsRepository(database());
    const now = later + 30 * 60_000;

    const hour = await stats.totals({ windowMs: hourMs, span: 'minute' }, now);
    expect(hour).toMatchObject({
      requests: 20,
      failures: 5,
      attempts: 20,
      successRate: 0.75,
      tokens: { input: 200, output: 100, thoughts: 20, cached: 0 },
    });
    expect(hour.latencyMs.mean).toBe(
      Math.round(entries.reduce((sum, entry) => sum + entry.latencyMs, 0) / 20),
    );
    expect(hour.latencyMs.p50).toBeGreaterThan(100);
    expect(hour.latencyMs.p50).toBeLessThanOrEqual(250);
    // The month holds the 40 requests of the test before too: their rows were deleted, their
    // rollups stay.
    expect((await stats.totals({ windowMs: 30 * 24 * hourMs, span: 'day' }, now)).requests).toBe(60);
    // A period that ends before the requests sees none of them.
    expect((await stats.totals({ windowMs: hourMs, span: 'minute' }, later - 2 * hourMs)).requests).toBe(0);

    const byOutcome = await stats.grouped({ windowMs: 24 * hourMs, span: 'hour' }, 'outcome', now);
    expect(byOutcome.map((row) => [row.name, row.requests, row.attempts])).toEqual([
      ['ok', 15, 15],
      ['quota-day', 5, 5],
    ]);
    const series = await stats.series({ windowMs: hourMs, span: 'minute' }, 'model', now);
    expect(series.reduce((sum, point) => sum + point.requests, 0)).toBe(20);
    expect(new Set(series.map((point) => point.name))).toEqual(
      new Set(['gemini-2.5-flash', 'gemini-2.5-pro']),
    );

    const busiest = await stats.keys({ windowMs: 24 * hourMs, span: 'hour' }, 'requests', 10, now);
    expect(busiest.map((row) => [row.keyId, row.requests, row.answers429])).toEqual([
      [keyA, 15, 0],
      [keyB, 5, 5],
    ]);
    const refused = await stats.keys({ windowMs: 24 * hourMs, span: 'hour' }, 'refusals', 10, now);
    expect(refused.map((row) => row.keyId)).toEqual([keyB]);
    const keySeries = await stats.keySeries({ windowMs: 24 * hourMs, span: 'hour' }, keyB, now);
    expect(keySeries.map((point) => [point.bucket, point.attempts, point.failedAttempts])).toEqual([
      [later - (later % hourMs), 5, 5],
    ]);
  });

  it("ranks keys over days from each settled day's leaders and the hours since", async () => {
    const repository = createLogRepository(database());
    const dayMs = 24 * hourMs;
    const today = Date.UTC(2031, 5, 10);
    const now = today + 12 * hourMs;
    const keyC = 'cccccccccccccccc';
    // Three days ago: C serves 3, B is refused twice; an hour ago: A serves 5.
    await repository.insertRequests([
      ...Array.from({ length: 3 }, (_, index) =>
        request(0, {
          createdAt: today - 3 * dayMs + index,
          keyId: keyC,
          trace: [{ keyId: keyC, status: 200, outcome: 'ok', ms: 1 }],
        }),
      ),
      ...Array.from({ length: 2 }, (_, index) => request(3, { createdAt: today - 3 * dayMs + 10 + index })),
      ...Array.from({ length: 5 }, (_, index) => request(0, { createdAt: now - hourMs + index })),
    ]);
    const stats = createStatsRepository(database());
    const month = { windowMs: 30 * dayMs, span: 'day' } as const;
    const busiest = await stats.keys(month, 'requests', 10, now);
    expect(busiest.map((row) => [row.keyId, row.requests])).toEqual([
      [keyA, 5],
      [keyC, 3],
      [keyB, 2],
    ]);
    const refused = await stats.keys(month, 'refusals', 10, now);
    expect(refused.map((row) => [row.keyId, row.answers429])).toEqual([[keyB, 2]]);
    // Leaders are kept: asked again (another instance, or the daily job), the same answer.
    await stats.prepareLeaders(now);
    expect(await stats.keys(month, 'requests', 10, now)).toEqual(busiest);
    // A week ending before the settled day sees nothing of it.
    expect(await stats.keys({ windowMs: 7 * dayMs, span: 'day' }, 'requests', 10, today - 5 * dayMs)).toEqual(
      [],
    );
  });
});
