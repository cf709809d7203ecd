import { describe, expect, it } from 'vitest';
import type { ErrorLogEntry, RequestLogEntry } from '../src/core/log-sink.js';
import { createLogRepository } from '../src/storage/log-repository.js';
import { migrateToLatest } from '../src/storage/migrate-to-latest.js';
import { createSettingRepository } from '../src/storage/setting-repository.js';
import { backendNames, useMigratedDatabase } from './helpers/database-backends.js';

// One contract, every backend the gateway supports.
describe.each(backendNames)('storage on %s', (backend) => {
  const database = useMigratedDatabase(backend);

  it('migrates idempotently', async () => {
    await expect(migrateToLatest(database())).resolves.toBeUndefined();
  });

  it('writes request log batches larger than one statement and reads them back typed', async () => {
    const createdAt = Date.UTC(2026, 10, 28, 12, 0, 0);
    const entries: RequestLogEntry[] = Array.from({ length: 1203 }, (_, index) => ({
      createdAt: createdAt + index,
      route: 'gemini generateContent',
      model: index % 2 ? 'gemini-2.5-flash' : null,
      keyId: index % 3 ? 'abcd1234abcd1234' : null,
      status: index % 5 ? 200 : 429,
      success: index % 5 !== 0,
      latencyMs: 12.6,
      attempts: 1 + (index % 3),
      stream: index % 2 === 0,
    }));
    await createLogRepository(database()).insertRequests(entries);
    const rows = await database().db.selectFrom('request_log').selectAll().orderBy('id').execute();
    expect(rows).toHaveLength(1203);
    expect(rows[1]).toMatchObject({
      created_at: createdAt + 1,
      route: 'gemini generateContent',
      model: 'gemini-2.5-flash',
      key_id: 'abcd1234abcd1234',
      status: 200,
      success: 1,
      latency_ms: 13,
      attempts: 2,
      stream: 0,
    });
    expect(typeof rows[0]?.created_at).toBe('number');
    expect(rows[0]).toMatchObject({ model: null, key_id: null, status: 429, success: 0 });
  });

  it('writes error log entries, including large request bodies', async () => {
    const body = `{"contents":[{"parts":[{"text":"${'x'.repeat(200_000)}"}]}]}`;
    const entry: ErrorLogEntry = {
      createdAt: 1,
      route: 'gemini generateContent',
      model: 'gemini-2.5-pro',
      keyId: 'abcd1234abcd1234',
      status: null,
      errorType: 'timeout',
      message: 'Google did not answer within TIME_OUT. ☀',
      requestBody: body,
    };
    await createLogRepository(database()).insertErrors([entry, { ...entry, status: 503, requestBody: null }]);
    const rows = await database().db.selectFrom('error_log').selectAll().orderBy('id').execute();
    expect(
      rows.map((row) => [row.status, row.error_type, row.request_body?.length ?? null, row.message]),
    ).toEqual([
      [null, 'timeout', body.length, entry.message],
      [503, 'timeout', null, entry.message],
    ]);
  });

  it('keeps the first value stored under a name', async () => {
    const settings = createSettingRepository(database().db);
    expect(await settings.get('generated_auth_token')).toBeUndefined();
    expect(await settings.putIfAbsent('generated_auth_token', 'first', 1)).toBe('first');
    expect(await settings.putIfAbsent('generated_auth_token', 'second', 2)).toBe('first');
    expect(await settings.get('generated_auth_token')).toBe('first');
  });
});
