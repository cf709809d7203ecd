import { describe, expect, it } from 'vitest';
import { checkSettingValues } from './check-setting-values.js';

describe('checkSettingValues', () => {
  it('parses values as the environment would', () => {
    expect(
      checkSettingValues({ MAX_RETRIES: '7', FILTERED_MODELS: '["a","b"]', SEARCH_MODELS: 'x, y' }),
    ).toEqual({
      values: { MAX_RETRIES: 7, FILTERED_MODELS: ['a', 'b'], SEARCH_MODELS: ['x', 'y'] },
      problems: [],
    });
  });

  it('names each bad setting and why, never the value', () => {
    const { values, problems } = checkSettingValues({
      MAX_RETRIES: '1000',
      API_KEYS: '["ok-good-key-123456","bad key with spaces"]',
      REDIS_URL: 'redis://:hunter-pass-1@cache:6379/0',
      PORT: '9000',
      AUTH_TOKEN: 'new-admin-token-123456',
      NOT_A_SETTING: '1',
      AIzaSyPastedIntoTheNameField0000000000: '1',
      TEST_MODEL: 'gemini-2.5-flash',
    });
    expect(values).toEqual({ TEST_MODEL: 'gemini-2.5-flash' });
    expect(problems).toEqual([
      { name: 'MAX_RETRIES', message: 'expected a whole number from 1 to 100' },
      { name: 'API_KEYS', message: expect.stringMatching(/^entry 2 /) },
      { name: 'REDIS_URL', message: expect.stringMatching(/^restart needed/) },
      { name: 'PORT', message: expect.stringMatching(/^restart needed/) },
      { name: 'AUTH_TOKEN', message: expect.stringMatching(/^restart needed: the admin token/) },
      { name: 'NOT_A_SETTING', message: 'not a gemgate setting' },
      { name: '?', message: expect.stringMatching(/not repeated/) },
    ]);
    const text = JSON.stringify(problems);
    for (const secret of ['bad key', 'new-admin-token', 'AIzaSyPasted', 'hunter-pass'])
      expect(text).not.toContain(secret);
  });

  it('refuses every database setting: they locate the store the saved values live in', () => {
    const { problems } = checkSettingValues({ DATABASE_TYPE: 'mysql', SQLITE_DATABASE: 'other.db' });
    expect(problems.map((problem) => problem.name)).toEqual(['DATABASE_TYPE', 'SQLITE_DATABASE']);
  });
});
