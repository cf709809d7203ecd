import { describe, expect, it } from 'vitest';
import { adminTokenHex, adminTokenOf } from '../src/core/admin-token.js';
import type { ErrorLogEntry, RequestLogEntry } from '../src/core/log-sink.js';
import { createAdminSessionRepository } from '../src/storage/admin-session-repository.js';
import { createDatabase } from '../src/storage/create-database.js';
import { createLogRetention } from '../src/storage/create-log-retention.js';
import { deleteOldLogRows } from '../src/storage/delete-old-log-rows.js';
import { createKeyMetaRepository } from '../src/storage/key-meta-repository.js';
import { createKeyRepository } from '../src/storage/key-repository.js';
import { createLogRepository } from '../src/storage/log-repository.js';
import { createMigrator, migrateToLatest } from '../src/storage/migrate-to-latest.js';
import { createPinnedResourceRepository } from '../src/storage/pinned-resource-repository.js';
import { createSettingRepository } from '../src/storage/setting-repository.js';
import { backendNames, backends, useMigratedDatabase } from './helpers/database-backends.js';

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

  it('writes the tokens a request counted, and null where it counted none', async () => {
    await database().db.deleteFrom('request_log').execute();
    const entry = (tokens?: RequestLogEntry['tokens']): RequestLogEntry => ({
      createdAt: 1,
      route: 'gemini streamGenerateContent',
      model: 'gemini-2.5-flash',
      keyId: null,
      status: 200,
      success: true,
      latencyMs: 3,
      attempts: 1,
      stream: true,
      ...(tokens ? { tokens } : {}),
    });
    await createLogRepository(database()).insertRequests([
      entry({ input: 1_200_000, output: 42, thoughts: 16, cached: 1_000_000 }),
      entry(),
      // A hostile upstream's counts: the row is kept, its numbers brought into the column's range.
      entry({ input: 1e12, output: -5, thoughts: 2.6, cached: Number.POSITIVE_INFINITY }),
    ]);
    const rows = await database()
      .db.selectFrom('request_log')
      .select(['input_tokens', 'output_tokens', 'thought_tokens', 'cached_tokens'])
      .orderBy('id')
      .execute();
    expect(
      rows.map((row) => Object.values(row).map((value) => (value === null ? null : Number(value)))),
    ).toEqual([
      [1_200_000, 42, 16, 1_000_000],
      [null, null, null, null],
      [2_147_483_647, 0, 3, 2_147_483_647],
    ]);
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

  it('keeps operator sessions until they expire, are deleted, or belong to another admin token', async () => {
    const sessions = createAdminSessionRepository(database().db);
    const session = (idHash: string, tokenFingerprint: string, expiresAt: number) => ({
      idHash,
      tokenFingerprint,
      createdAt: 1_000,
      expiresAt,
    });
    const t0 = Date.UTC(2026, 11, 6);
    await sessions.create(session('a'.repeat(64), 'f1', t0 + 3_600_000));
    await sessions.create(session('b'.repeat(64), 'f1', t0 + 60_000));
    await sessions.create(session('c'.repeat(64), 'f0', t0 + 3_600_000));
    expect(await sessions.find('a'.repeat(64), t0)).toEqual(session('a'.repeat(64), 'f1', t0 + 3_600_000));
    expect(await sessions.find('b'.repeat(64), t0 + 60_000)).toBeUndefined();
    expect(await sessions.find('d'.repeat(64), t0)).toBeUndefined();
    // b expired, c was opened with another token: both go; a stays.
    expect(await sessions.deleteStale(t0 + 60_000, 'f1')).toBe(2);
    expect(await sessions.find('c'.repeat(64), t0)).toBeUndefined();
    await sessions.delete('a'.repeat(64));
    expect(await sessions.find('a'.repeat(64), t0)).toBeUndefined();
  });
  it('adds, saves the states of and removes more keys at once than one statement may bind', async () => {
    const keys = createKeyRepository(database().db, database().dialect);
    // Above SQLite's 32,766 and PostgreSQL's 65,535 bound parameters, whatever the columns.
    const many = Array.from({ length: 70_000 }, (_, index) => ({
      id: index.toString(16).padStart(16, '0'),
      secret: `k-contract-${index}`,
    }));
    await keys.addRuntimeKeys(many, 1);
    await keys.saveStates(
      new Map(many.map((key) => [key.id, { state: { models: {} }, addedRequests: 2, addedFailures: 1 }])),
      2,
    );
    expect(await keys.loadRuntimeKeys()).toHaveLength(70_000);
    const states = await keys.loadStates();
    expect(states.size).toBe(70_000);
    expect(states.get(many[69_999]?.id ?? '')).toEqual({ state: { models: {} }, requests: 2, failures: 1 });
    await keys.saveStates(new Map(many.map((key) => [key.id, null])), 3);
    await keys.removeRuntimeKeys(many.slice(1).map((key) => key.id));
    expect(await keys.loadRuntimeKeys()).toEqual(['k-contract-0']);
    expect((await keys.loadStates()).size).toBe(0);
    await keys.removeRuntimeKeys([many[0]?.id ?? '']);
  });

  it('adds what instances saving the same keys at once counted, the last state standing', async () => {
    const keys = createKeyRepository(database().db, database().dialect);
    const ids = Array.from({ length: 200 }, (_, index) => `c0ffee${index.toString(16).padStart(10, '0')}`);
    const change = (requests: number, atMs: number) => ({
      state: { models: {}, disabled: { reason: 'operator' as const, atMs } },
      addedRequests: requests,
      addedFailures: 1,
    });
    await keys.saveStates(new Map(ids.map((id) => [id, change(2, 1)])), 1);
    // Two instances, each with its own batch order, at the same moment: no duplicate key, no deadlock.
    await Promise.all([
      keys.saveStates(new Map(ids.map((id) => [id, change(3, 2)])), 2),
      keys.saveStates(new Map([...ids].reverse().map((id) => [id, change(5, 2)])), 2),
    ]);
    const states = await keys.loadStates();
    expect(ids.map((id) => states.get(id)?.requests)).toEqual(ids.map(() => 10));
    expect(states.get(ids[0] ?? '')).toMatchObject({ failures: 3, state: { disabled: { atMs: 2 } } });
    await keys.saveStates(new Map(ids.map((id) => [id, null])), 3);
    expect((await keys.loadStates()).size).toBe(0);
  });

  it('keeps which key holds each file and cached content, by kind, client and page, until it expires', async () => {
    const pins = createPinnedResourceRepository(database().db);
    const pin = (name: string, clientId: string, expiresAtMs = 10_000) => ({
      name,
      keyId: '0123456789abcdef',
      clientId,
      createdAtMs: 1,
      expiresAtMs,
      resource: JSON.stringify({ name, note: 'ü☀'.repeat(100) }),
    });
    for (const name of ['files/b', 'files/a', 'files/c', 'files-not/x', 'filesz'])
      await pins.put(pin(name, 'c1'));
    await pins.put(pin('files/d', 'c2'));
    await pins.put(pin('files/old', 'c1', 50));
    await pins.put(pin('cachedContents/k', 'c1'));
    // Put again: replaced whole, not doubled.
    await pins.put({ ...pin('files/a', 'c1'), keyId: 'fedcba9876543210' });
    expect((await pins.find('files/a', 100))?.keyId).toBe('fedcba9876543210');
    expect(await pins.find('files/old', 100)).toBeUndefined();
    expect(await pins.find('files/old', 10)).toMatchObject({ name: 'files/old', expiresAtMs: 50 });
    const names = async (...args: Parameters<typeof pins.list>) =>
      (await pins.list(...args)).map((each) => each.name);
    expect(await names('files/', 'c1', 100, { size: 10 })).toEqual(['files/a', 'files/b', 'files/c']);
    expect(await names('files/', 'c1', 100, { size: 2, after: 'files/a' })).toEqual(['files/b', 'files/c']);
    expect(await names('files/', null, 100, { size: 10 })).toEqual([
      'files/a',
      'files/b',
      'files/c',
      'files/d',
    ]);
    expect(await names('cachedContents/', 'c1', 100, { size: 10 })).toEqual(['cachedContents/k']);
    expect(await pins.removeExpired(100)).toBe(1);
    await pins.remove('files/a');
    expect(await pins.find('files/a', 100)).toBeUndefined();
    expect((await pins.find('files/b', 100))?.resource).toContain('ü☀');
  });

  it('keeps a note and tags per key, replaces them whole, and deletes them with the key', async () => {
    const notes = createKeyMetaRepository(database().db);
    const note = `Team ☀ trial, ${'ü'.repeat(480)}\nsecond line`.slice(0, 500);
    await notes.put('aaaaaaaaaaaaaaaa', { note, tags: ['team-a', 'trial.2026'] }, 1);
    await notes.put('bbbbbbbbbbbbbbbb', { note: '', tags: ['b'] }, 1);
    await notes.put('bbbbbbbbbbbbbbbb', { note: 'replaced', tags: [] }, 2);
    // An empty note without tags keeps no row.
    await notes.put('cccccccccccccccc', { note: 'soon gone', tags: ['c'] }, 1);
    await notes.put('cccccccccccccccc', { note: '', tags: [] }, 2);
    expect(await notes.loadAll()).toEqual(
      new Map([
        ['aaaaaaaaaaaaaaaa', { note, tags: ['team-a', 'trial.2026'] }],
        ['bbbbbbbbbbbbbbbb', { note: 'replaced', tags: [] }],
      ]),
    );
    // More ids than one statement binds on any backend.
    const many = Array.from({ length: 2500 }, (_, index) => index.toString(16).padStart(16, '0'));
    await notes.remove([...many, 'aaaaaaaaaaaaaaaa']);
    expect([...(await notes.loadAll()).keys()]).toEqual(['bbbbbbbbbbbbbbbb']);
    await notes.remove([]);
  });

  it('deletes log rows older than a time, a chunk at a time, and nothing newer', async () => {
    const repository = createLogRepository(database());
    const cutoff = Date.UTC(2026, 0, 1);
    const request = (createdAt: number): RequestLogEntry => ({
      createdAt,
      route: 'gemini generateContent',
      model: 'gemini-2.5-flash',
      keyId: null,
      status: 200,
      success: true,
      latencyMs: 5,
      attempts: 1,
      stream: false,
    });
    await database().db.deleteFrom('request_log').execute();
    // Old and new rows interleaved in insertion order, as a clock set back would leave them.
    await repository.insertRequests(
      Array.from({ length: 300 }, (_, index) =>
        request(index % 6 === 5 ? cutoff + index : cutoff - 1 - index),
      ),
    );
    let pauses = 0;
    const deleted = await deleteOldLogRows(database().db, 'request_log', {
      beforeMs: cutoff,
      chunkRows: 100,
      pause: async () => {
        pauses++;
      },
    });
    expect(deleted).toBe(250);
    expect(pauses).toBe(2);
    const left = await database().db.selectFrom('request_log').select('created_at').execute();
    expect(left).toHaveLength(50);
    expect(left.every((row) => Number(row.created_at) >= cutoff)).toBe(true);
  });

  it('runs the retention the settings ask for: error logs after their days, request logs only when on', async () => {
    const nowMs = Date.UTC(2026, 11, 6);
    const day = 86_400_000;
    const repository = createLogRepository(database());
    await database().db.deleteFrom('request_log').execute();
    await database().db.deleteFrom('error_log').execute();
    const error = (createdAt: number): ErrorLogEntry => ({
      createdAt,
      route: 'gemini generateContent',
      model: null,
      keyId: null,
      status: 429,
      errorType: 'rate-limited',
      message: 'Resource exhausted.',
      requestBody: null,
    });
    await repository.insertErrors([error(nowMs - 8 * day), error(nowMs - 6 * day)]);
    await repository.insertRequests([
      {
        createdAt: nowMs - 100 * day,
        route: 'r',
        model: null,
        keyId: null,
        status: 200,
        success: true,
        latencyMs: 1,
        attempts: 1,
        stream: false,
      },
    ]);
    const reports: unknown[] = [];
    const retention = createLogRetention({
      db: database().db,
      clock: { now: () => nowMs },
      settings: () => ({
        AUTO_DELETE_ERROR_LOGS_ENABLED: true,
        AUTO_DELETE_ERROR_LOGS_DAYS: 7,
        AUTO_DELETE_REQUEST_LOGS_ENABLED: false,
        AUTO_DELETE_REQUEST_LOGS_DAYS: 30,
      }),
      onRun: (report) => reports.push(report),
      firstRunMs: 1,
    });
    await expect.poll(() => reports).toEqual([{ deleted: { error_log: 1 } }]);
    await retention.close();
    expect(await database().db.selectFrom('error_log').select('created_at').execute()).toHaveLength(1);
    expect(await database().db.selectFrom('request_log').select('id').execute()).toHaveLength(1);
  });
});

describe.each(backendNames)('migration 0005 on %s', (backend) => {
  it('replaces a generated admin token kept in plain text by its digest', async () => {
    const scratch = await backends[backend]();
    const database = createDatabase(scratch.settings);
    try {
      const migrated = await createMigrator(database).migrateTo('0004-key-id-rewrite');
      expect(migrated.error).toBeUndefined();
      await createSettingRepository(database.db).putIfAbsent('generated_auth_token', 'gg-old-token', 7);
      await migrateToLatest(database);
      const rows = await database.db.selectFrom('setting').selectAll().execute();
      expect(rows.map((row) => ({ ...row, updated_at: Number(row.updated_at) }))).toEqual([
        {
          name: 'generated_auth_token_sha256',
          value: adminTokenHex(adminTokenOf('gg-old-token')),
          updated_at: 7,
        },
      ]);
    } finally {
      await database.db.destroy();
      await scratch.drop();
    }
  });
});
