import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/storage/create-database.js';
import { migrateToLatest } from '../src/storage/migrate-to-latest.js';
import { createSavedSettingValues, createSettingRepository } from '../src/storage/setting-repository.js';
import { backends, type ScratchDatabase } from './helpers/database-backends.js';

// The values an operator saves through /api/config, on every backend the gateway supports.
describe.each(Object.keys(backends) as (keyof typeof backends)[])('saved settings on %s', (backend) => {
  let scratch: ScratchDatabase;
  let database: Database;

  beforeAll(async () => {
    scratch = await backends[backend]();
    database = createDatabase(scratch.settings);
    await migrateToLatest(database);
  });
  afterAll(async () => {
    await database?.db.destroy();
    await scratch?.drop();
  });

  it('saves, replaces and forgets values, beside the gateway’s own rows', async () => {
    await createSettingRepository(database.db).putIfAbsent('generated_auth_token', 'gg-token', 1);
    const saved = createSavedSettingValues(database.db, () => 2);
    expect(await saved.load()).toEqual({});

    const keys = JSON.stringify(
      Array.from({ length: 2000 }, (_, index) => `ok-key-${index}-0123456789abcdef`),
    );
    await saved.save({ MAX_RETRIES: '2', API_KEYS: keys });
    await saved.save({ MAX_RETRIES: '5', FILTERED_MODELS: '[]' });
    expect(await saved.load()).toEqual({ MAX_RETRIES: '5', API_KEYS: keys, FILTERED_MODELS: '[]' });

    await saved.forget('MAX_RETRIES');
    await saved.forget('NEVER_SAVED');
    expect(Object.keys(await saved.load()).sort()).toEqual(['API_KEYS', 'FILTERED_MODELS']);
    expect(await createSettingRepository(database.db).get('generated_auth_token')).toBe('gg-token');
  });
});
