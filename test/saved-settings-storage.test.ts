import { describe, expect, it } from 'vitest';
import { createSavedSettingValues, createSettingRepository } from '../src/storage/setting-repository.js';
import { backendNames, useMigratedDatabase } from './helpers/database-backends.js';

// The values an operator saves through /api/config, on every backend the gateway supports.
describe.each(backendNames)('saved settings on %s', (backend) => {
  const database = useMigratedDatabase(backend);

  it('saves, replaces and forgets values, beside the gateway’s own rows', async () => {
    await createSettingRepository(database().db).putIfAbsent('generated_auth_token', 'gg-token', 1);
    const saved = createSavedSettingValues(database().db, () => 2);
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
    expect(await createSettingRepository(database().db).get('generated_auth_token')).toBe('gg-token');
  });
});
