import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings, readEnvironment, SettingsError } from './load-settings.js';

describe('parseSettings', () => {
  it('has the seed’s defaults', () => {
    const settings = parseSettings({});
    expect(settings).toMatchObject({
      API_KEYS: [],
      MAX_FAILURES: 3,
      MAX_RETRIES: 3,
      TIME_OUT: 300,
      PORT: 8000,
      HOST: '0.0.0.0',
      DATABASE_TYPE: 'sqlite',
      LOG_LEVEL: 'info',
      ERROR_LOG_RECORD_REQUEST_BODY: false,
      BASE_URL: { origin: 'https://generativelanguage.googleapis.com', pathPrefix: '' },
    });
    expect(settings.FILTERED_MODELS).toContain('gemini-pro-vision');
  });

  it('reads a gemini-balance .env as written', () => {
    const settings = parseSettings({
      API_KEYS: '["AIzaSyA","AIzaSyB"]',
      ALLOWED_TOKENS: '["sk-1"]',
      BASE_URL: 'https://generativelanguage.googleapis.com/v1beta',
      LOG_LEVEL: 'WARNING',
      ERROR_LOG_RECORD_REQUEST_BODY: 'True',
      DATABASE_TYPE: 'sqlite',
      SQLITE_DATABASE: 'default_db',
      FILTERED_MODELS: 'a, b',
    });
    expect(settings.API_KEYS).toEqual(['AIzaSyA', 'AIzaSyB']);
    expect(settings.ALLOWED_TOKENS).toEqual(['sk-1']);
    expect(settings.LOG_LEVEL).toBe('warn');
    expect(settings.ERROR_LOG_RECORD_REQUEST_BODY).toBe(true);
    expect(settings.FILTERED_MODELS).toEqual(['a', 'b']);
  });

  it.each([
    ['MAX_RETRIES', '-9999'],
    ['MAX_FAILURES', 'many'],
    ['TIME_OUT', '1.5'],
    ['PORT', '70000'],
    ['DATABASE_TYPE', 'oracle'],
    ['LOG_LEVEL', 'loud'],
    ['ERROR_LOG_RECORD_REQUEST_BODY', 'perhaps'],
    ['BASE_URL', 'secret-host-name'],
    ['API_KEYS', '["AIzaSySECRET"'],
  ])('names %s when its value %j is bad, without repeating the value', (name, value) => {
    try {
      parseSettings({ [name]: value });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain(value);
    }
  });

  it('refuses zero attempts', () => {
    expect(() => parseSettings({ MAX_RETRIES: '0' })).toThrow(
      /MAX_RETRIES: expected a whole number from 1 to 100/,
    );
  });

  it('requires the MySQL connection settings when DATABASE_TYPE is mysql', () => {
    expect(() => parseSettings({ DATABASE_TYPE: 'mysql' })).toThrow(/MYSQL_DATABASE/);
  });
});

describe('readEnvironment', () => {
  it('reads .env, with the environment taking precedence', () => {
    const directory = mkdtempSync(join(tmpdir(), 'gemgate-env-'));
    const file = join(directory, '.env');
    writeFileSync(file, 'MAX_RETRIES=7\nAPI_KEYS=from-file\n# a comment\nTIME_OUT="42"\n');
    const environment = readEnvironment({ API_KEYS: 'from-env' }, file);
    expect(environment.API_KEYS).toBe('from-env');
    const settings = parseSettings(environment);
    expect(settings.MAX_RETRIES).toBe(7);
    expect(settings.TIME_OUT).toBe(42);
    expect(settings.API_KEYS).toEqual(['from-env']);
  });

  it('works without a .env file', () => {
    expect(readEnvironment({ PORT: '9000' }, join(tmpdir(), 'gemgate-no-such-dir', '.env'))).toEqual({
      PORT: '9000',
    });
  });
});
