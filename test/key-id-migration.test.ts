import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { createKeyIdentity, legacyKeyId } from '../src/core/key-identity.js';
import type { KeyState } from '../src/keypool/key-state.js';
import { type Gateway, startGateway } from '../src/start-gateway.js';
import { createDatabase, type Database } from '../src/storage/create-database.js';
import { mapLegacyKeyIds } from '../src/storage/map-legacy-key-ids.js';
import { createMigrator, migrateToLatest } from '../src/storage/migrate-to-latest.js';
import { rewriteLogKeyIds } from '../src/storage/rewrite-log-key-ids.js';
import { backends, type ScratchDatabase } from './helpers/database-backends.js';

// A database as the gateway left it when key ids were 8 hex characters (32 bits).
const settingsKey = 'ok-alpha-legacy-settings-key';
const runtimeKey = 'ok-bravo-legacy-runtime-key';
const goneKey = 'ok-charlie-legacy-gone-key';
const secrets = [settingsKey, runtimeKey, goneKey];
const newId = (secret: string) => createKeyIdentity(secret).id;

const restingUntilMs = Date.UTC(2099, 0, 1);
const settingsKeyState: KeyState = {
  disabled: { reason: 'operator', atMs: Date.UTC(2026, 10, 1) },
  lastError: { atMs: Date.UTC(2026, 10, 1), status: 429, type: 'quota-minute', message: 'Quota exceeded.' },
  models: {
    'gemini-2.5-flash': {
      coolUntilMs: restingUntilMs,
      coolReason: 'minute',
      rateLimitStreak: 2,
      softFailures: 1,
    },
  },
};

async function buildLegacyDatabase(database: Database): Promise<void> {
  const migrated = await createMigrator(database).migrateTo('0003-log-write-ids');
  if (migrated.error) throw migrated.error;
  const { db } = database;
  await db
    .insertInto('api_key')
    .values({ id: legacyKeyId(runtimeKey), secret: runtimeKey, created_at: 1 })
    .execute();
  await db
    .insertInto('key_state')
    .values([
      {
        key_id: legacyKeyId(settingsKey),
        state: JSON.stringify(settingsKeyState),
        requests: 41,
        failures: 7,
        updated_at: 1,
      },
      { key_id: legacyKeyId(runtimeKey), state: '{"models":{}}', requests: 3, failures: 0, updated_at: 1 },
      { key_id: legacyKeyId(goneKey), state: '{"models":{}}', requests: 9, failures: 2, updated_at: 1 },
    ])
    .execute();
  const logged = [settingsKey, runtimeKey, settingsKey, goneKey, null, settingsKey, runtimeKey];
  await db
    .insertInto('request_log')
    .values(
      logged.map((secret, index) => ({
        created_at: 1_000 + index,
        route: 'gemini generateContent',
        model: 'gemini-2.5-flash',
        key_id: secret === null ? null : legacyKeyId(secret),
        status: 200,
        success: 1,
        latency_ms: 5,
        attempts: 1,
        stream: 0,
        write_id: null,
      })),
    )
    .execute();
  await db
    .insertInto('error_log')
    .values(
      [settingsKey, goneKey].map((secret, index) => ({
        created_at: 2_000 + index,
        route: 'gemini generateContent',
        model: 'gemini-2.5-flash',
        key_id: legacyKeyId(secret),
        status: 429,
        error_type: 'quota-minute',
        message: 'Quota exceeded.',
        request_body: null,
        write_id: null,
      })),
    )
    .execute();
}

async function keyIds(database: Database, table: 'request_log' | 'error_log') {
  const rows = await database.db.selectFrom(table).select('key_id').orderBy('id').execute();
  return rows.map((row) => row.key_id);
}

async function rewriteDone(database: Database): Promise<boolean> {
  const rows = await database.db.selectFrom('key_id_rewrite').selectAll().execute();
  return rows.length === 2 && rows.every((row) => Number(row.done_through) >= Number(row.last_id));
}

describe.each(Object.keys(backends) as (keyof typeof backends)[])('64-bit key ids on %s', (backend) => {
  let scratch: ScratchDatabase;
  let database: Database;
  const gateways: Gateway[] = [];
  const logLines: string[] = [];

  function start(): Promise<Gateway> {
    const settings: Settings = {
      ...scratch.settings,
      API_KEYS: [settingsKey],
      AUTH_TOKEN: 'admin-token-for-key-id-migration',
      PORT: 0,
      HOST: '127.0.0.1',
      // No probe: it would send the keys to Google.
      CHECK_INTERVAL_HOURS: 0,
    };
    const logDestination = new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(String(chunk));
        callback();
      },
    });
    return startGateway(settings, { logDestination }).then((gateway) => {
      gateways.push(gateway);
      return gateway;
    });
  }

  beforeEach(async () => {
    scratch = await backends[backend]();
    database = createDatabase(scratch.settings);
    await buildLegacyDatabase(database);
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await database.db.destroy();
    await scratch.drop();
    for (const secret of secrets) expect(logLines.join('')).not.toContain(secret);
    logLines.length = 0;
  });

  async function expectMigrated(gateway: Gateway): Promise<void> {
    const view = gateway.pool.list().find((key) => key.id === newId(settingsKey));
    expect(view?.state).toEqual(settingsKeyState);
    expect(view?.usage).toMatchObject({ requests: 41, failures: 7 });
    expect(gateway.pool.canServe(newId(settingsKey), 'gemini-2.5-flash')).toBe(false);
    expect(gateway.pool.list().map((key) => [key.id, key.source])).toEqual([
      [newId(settingsKey), 'settings'],
      [newId(runtimeKey), 'runtime'],
    ]);
    expect(await database.db.selectFrom('api_key').select(['id', 'secret']).execute()).toEqual([
      { id: newId(runtimeKey), secret: runtimeKey },
    ]);
    const states = await database.db
      .selectFrom('key_state')
      .select(['key_id', 'requests', 'failures'])
      .orderBy('requests')
      .execute();
    // The gone key is not configured: its row stays under its old id.
    expect(states.map((row) => [row.key_id, Number(row.requests), Number(row.failures)])).toEqual([
      [newId(runtimeKey), 3, 0],
      [legacyKeyId(goneKey), 9, 2],
      [newId(settingsKey), 41, 7],
    ]);
    await expect.poll(() => rewriteDone(database), { timeout: 10_000 }).toBe(true);
    expect(await keyIds(database, 'request_log')).toEqual([
      newId(settingsKey),
      newId(runtimeKey),
      newId(settingsKey),
      legacyKeyId(goneKey),
      null,
      newId(settingsKey),
      newId(runtimeKey),
    ]);
    expect(await keyIds(database, 'error_log')).toEqual([newId(settingsKey), legacyKeyId(goneKey)]);
  }

  it('moves key states, runtime keys and log rows to the new ids at start, once', async () => {
    const first = await start();
    await expectMigrated(first);
    expect(logLines.join('')).toContain('"runtimeKeys":1,"states":2');
    // The rewrite's line follows its last database step: wait for it rather than race it.
    await expect.poll(() => logLines.join(''), { timeout: 5_000 }).toContain('"requestRows":5,"errorRows":1');
    await first.close();
    gateways.length = 0;
    logLines.length = 0;

    const again = await start();
    await expectMigrated(again);
    expect(logLines.join('')).not.toContain('64-bit');
  });

  it('is safe with several instances starting at once', async () => {
    const [one, other] = await Promise.all([start(), start()]);
    await expectMigrated(one as Gateway);
    await expectMigrated(other as Gateway);
  });

  it('rewrites log rows in chunks up to the last old row, resumes after a stop, and leaves newer rows', async () => {
    await migrateToLatest(database);
    // A row written after the upgrade: the walk stops before it, whatever id it holds.
    await database.db
      .insertInto('request_log')
      .values({
        created_at: 3_000,
        route: 'gemini generateContent',
        model: null,
        key_id: legacyKeyId(settingsKey),
        status: 200,
        success: 1,
        latency_ms: 1,
        attempts: 1,
        stream: 0,
        write_id: null,
      })
      .execute();
    const legacy = mapLegacyKeyIds(
      [settingsKey, runtimeKey].map((secret) => ({ id: newId(secret), secret })),
    );
    const progress = async () =>
      (await database.db.selectFrom('key_id_rewrite').selectAll().orderBy('log_table').execute()).map(
        (row) => [row.log_table, Number(row.done_through), Number(row.last_id)],
      );
    const [firstRequestId] = (
      await database.db.selectFrom('request_log').select('id').orderBy('id').limit(1).execute()
    ).map((row) => Number(row.id));
    const [firstErrorId] = (
      await database.db.selectFrom('error_log').select('id').orderBy('id').limit(1).execute()
    ).map((row) => Number(row.id));
    const first = firstRequestId ?? 0;
    const firstError = firstErrorId ?? 0;

    // Stopped at once: the chunk under way is finished, nothing more.
    const stopped = rewriteLogKeyIds(database.db, legacy, { chunkRows: 3 });
    await stopped.close();
    expect(await progress()).toEqual([
      ['error_log', 0, firstError + 1],
      ['request_log', first + 2, first + 6],
    ]);
    expect(await keyIds(database, 'request_log')).toEqual([
      newId(settingsKey),
      newId(runtimeKey),
      newId(settingsKey),
      legacyKeyId(goneKey),
      null,
      legacyKeyId(settingsKey),
      legacyKeyId(runtimeKey),
      legacyKeyId(settingsKey),
    ]);

    const reports: unknown[] = [];
    const resumed = rewriteLogKeyIds(database.db, legacy, {
      chunkRows: 3,
      onDone: (report) => reports.push(report),
      onError: (error) => reports.push(error),
    });
    await resumed.ended;
    expect(reports).toEqual([{ requestRows: 2, errorRows: 1 }]);
    expect(await progress()).toEqual([
      ['error_log', firstError + 1, firstError + 1],
      ['request_log', first + 6, first + 6],
    ]);
    expect(await keyIds(database, 'request_log')).toEqual([
      newId(settingsKey),
      newId(runtimeKey),
      newId(settingsKey),
      legacyKeyId(goneKey),
      null,
      newId(settingsKey),
      newId(runtimeKey),
      legacyKeyId(settingsKey),
    ]);
  });
});
