import { describe, expect, it } from 'vitest';
import type { ErrorLogEntry, RequestLogEntry } from '../core/log-sink.js';
import { createLogWriter } from './create-log-writer.js';
import type { LogRepository } from './log-repository.js';

const entry = (status: number): RequestLogEntry => ({
  createdAt: 1,
  route: 'gemini generateContent',
  model: 'm',
  keyId: 'abcd1234',
  status,
  success: status === 200,
  latencyMs: 1,
  attempts: 1,
  stream: false,
});

function recordingRepository(fail = false) {
  const batches: { requests: RequestLogEntry[][]; errors: ErrorLogEntry[][] } = { requests: [], errors: [] };
  const repository: LogRepository = {
    async insertRequests(entries) {
      if (fail) throw new Error('database is down');
      batches.requests.push([...entries]);
    },
    async insertErrors(entries) {
      batches.errors.push([...entries]);
    },
  };
  return { batches, repository };
}

describe('createLogWriter', () => {
  it('writes queued entries in one batch per flush', async () => {
    const { batches, repository } = recordingRepository();
    const writer = createLogWriter(repository, { flushIntervalMs: 60_000 });
    writer.request(entry(200));
    writer.request(entry(429));
    expect(batches.requests).toEqual([]);
    await writer.flush();
    expect(batches.requests.map((batch) => batch.map((row) => row.status))).toEqual([[200, 429]]);
    await writer.close();
  });

  it('flushes on its timer', async () => {
    const { batches, repository } = recordingRepository();
    const writer = createLogWriter(repository, { flushIntervalMs: 10 });
    writer.request(entry(200));
    await expect.poll(() => batches.requests.length).toBe(1);
    await writer.close();
  });

  it('reports a failed write and keeps accepting entries', async () => {
    const { repository } = recordingRepository(true);
    const failures: number[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 60_000,
      onError: (_error, dropped) => failures.push(dropped),
    });
    writer.request(entry(200));
    await writer.flush();
    writer.request(entry(200));
    await writer.close();
    expect(failures).toEqual([1, 1]);
  });

  it('bounds the queue, dropping and reporting what does not fit', async () => {
    const { batches, repository } = recordingRepository();
    const failures: number[] = [];
    const writer = createLogWriter(repository, {
      flushIntervalMs: 60_000,
      maxQueued: 2,
      onError: (_error, dropped) => failures.push(dropped),
    });
    for (const status of [1, 2, 3]) writer.request(entry(status));
    await writer.close();
    expect(batches.requests[0]?.map((row) => row.status)).toEqual([1, 2]);
    expect(failures).toEqual([1]);
  });

  it('hands entries over unchanged', async () => {
    const { batches, repository } = recordingRepository();
    const writer = createLogWriter(repository, { flushIntervalMs: 60_000 });
    const entries = [entry(200), { ...entry(429), model: null, keyId: null, stream: true }];
    for (const item of entries) writer.request(item);
    await writer.close();
    expect(batches.requests).toEqual([entries]);
  });
});
