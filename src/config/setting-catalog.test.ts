import { describe, expect, it } from 'vitest';
import { settingCatalog } from './setting-catalog.js';
import { settingsSchema } from './settings.js';

describe('settingCatalog', () => {
  const inSchema = Object.keys(settingsSchema.shape);

  it('has an entry for every setting of settings.ts', () => {
    const missing = inSchema.filter((name) => !Object.hasOwn(settingCatalog, name));
    expect(
      missing,
      `add to src/config/setting-catalog.ts, for each: NAME: entry('<group>', '<what it does>', { secret?, live? }) — ` +
        `secret: true if it is a key, token or password; restart (live: false) unless a change applies to the next request`,
    ).toEqual([]);
  });

  it('has no entry for a setting settings.ts does not have', () => {
    const unknown = Object.keys(settingCatalog).filter((name) => !inSchema.includes(name));
    expect(unknown, 'remove these entries from src/config/setting-catalog.ts, or add the settings').toEqual(
      [],
    );
  });

  it('marks every credential secret', () => {
    const secrets = Object.entries(settingCatalog)
      .filter(([, entry]) => entry.secret)
      .map(([name]) => name);
    expect(secrets.sort()).toEqual(
      [
        'ALLOWED_TOKENS',
        'API_KEYS',
        'VERTEX_API_KEYS',
        'AUTH_TOKEN',
        'MYSQL_PASSWORD',
        'POSTGRES_PASSWORD',
        'REDIS_URL',
        'DATABASE_URL',
        'PROXIES',
        'PAID_KEY',
        'S3_SECRET_ACCESS_KEY',
        'OSS_ACCESS_KEY_SECRET',
      ].sort(),
    );
  });

  it('never lets the database settings change live: the saved settings live in that database', () => {
    const storage = inSchema.filter((name) => /^(DATABASE_|SQLITE_|MYSQL_|POSTGRES_|REDIS_)/.test(name));
    expect(storage.filter((name) => settingCatalog[name]?.live)).toEqual([]);
  });
});
