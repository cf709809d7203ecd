import { describe, expect, it } from 'vitest';
import type { SettingName } from './check-setting-values.js';
import { describeSettings, settingKind } from './describe-settings.js';
import { settingText } from './setting-text.js';
import { type SettingKind, settingKinds, settingsSchema } from './settings.js';
import { layerSettings } from './settings-store.js';

const names = Object.keys(settingsSchema.shape) as SettingName[];
const fields = settingsSchema.shape as Record<string, (typeof settingsSchema.shape)[SettingName]>;

/** Whether a value sent as JSON in PUT /api/config parses the way that endpoint parses it. */
function accepts(name: SettingName, value: unknown): boolean {
  const text = settingText(value);
  return text !== undefined && (fields[name]?.safeParse(text).success ?? false);
}

/** Settings whose values have a format of their own. */
const ownSamples: Partial<Record<SettingName, unknown[]>> = {
  CORS_ALLOWED_ORIGINS: [['https://chat.example.com'], ['*']],
  TRUSTED_PROXIES: [['10.0.0.0/8', 'loopback'], []],
  PROXIES: [['http://127.0.0.1:8080', 'socks5://user:password@proxy.example:1080'], []],
  REDIS_URL: ['redis://127.0.0.1:6379/0', ''],
  DATABASE_URL: ['postgres://gemgate:secret@db:5432/gemgate', ''],
  PAID_KEY: ['ok-paid-sample-key', ''],
};

/** Values of a kind the console may send, each of which the setting must accept. */
function samplesOf(name: SettingName, kind: SettingKind): unknown[] {
  const own = ownSamples[name];
  if (own) return own;
  switch (kind.type) {
    case 'boolean':
      return [true, false];
    case 'integer':
      return [kind.min ?? 0, ...(kind.max === undefined ? [] : [kind.max])];
    case 'number':
      return [kind.min ?? 0, (kind.min ?? 0) + 0.5];
    case 'list':
      return [['ok-entry-one-abc']];
    case 'map':
      return [{}];
    case 'json':
      return [[]];
    case 'enum':
      return [...(kind.options ?? [])];
    case 'url':
      return ['https://relay.example.com/google'];
    case 'string':
      return ['some text'];
  }
}

describe('the kind of each setting', () => {
  it('is declared for every setting of settings.ts', () => {
    const missing = names.filter((name) => settingKinds.get(fields[name] as never) === undefined);
    expect(missing, 'build the setting with a helper of settings.ts that declares its kind').toEqual([]);
  });

  it('matches how PUT /api/config parses the setting: values of the kind are accepted', () => {
    const refused = names.flatMap((name) =>
      samplesOf(name, settingKind(name))
        .filter((sample) => !accepts(name, sample))
        .map((sample) => `${name} = ${JSON.stringify(sample)}`),
    );
    expect(refused).toEqual([]);
  });

  it('has bounds the parser keeps: below min, above max, a fraction for an integer and text for a number are refused', () => {
    const accepted = names.flatMap((name) => {
      const kind = settingKind(name);
      if (kind.type !== 'integer' && kind.type !== 'number') return [];
      const wrong: unknown[] = ['not a number'];
      if (kind.min !== undefined) wrong.push(kind.min - 1);
      if (kind.max !== undefined) wrong.push(kind.max + 1);
      if (kind.type === 'integer') wrong.push((kind.min ?? 0) + 0.5);
      return wrong
        .filter((value) => accepts(name, value))
        .map((value) => `${name} = ${JSON.stringify(value)}`);
    });
    expect(accepted).toEqual([]);
  });

  it('refuses a value of another kind: text for booleans, an option that is not one for enums, non-JSON for maps', () => {
    const accepted = names.flatMap((name) => {
      const wrong = {
        boolean: ['maybe'],
        enum: ['no-such-option'],
        map: ['{not json', '[1]'],
        json: ['{not json'],
      }[settingKind(name).type as string];
      return (wrong ?? []).filter((value) => accepts(name, value)).map((value) => `${name} = ${value}`);
    });
    expect(accepted).toEqual([]);
  });

  it('describes each value in a form PUT accepts back, unchanged', () => {
    const defaults = settingsSchema.parse({});
    const snapshot = layerSettings(defaults, () => false, {}, {}, 1);
    const described = describeSettings(snapshot).filter((setting) => !setting.secret);
    for (const setting of described) {
      const text = settingText(setting.value);
      expect(text, setting.name).toBeDefined();
      const parsed = fields[setting.name]?.safeParse(text);
      expect(parsed?.success, setting.name).toBe(true);
      expect(parsed?.data, setting.name).toEqual(defaults[setting.name]);
    }
    expect(described.find((setting) => setting.name === 'MAX_RETRIES')).toMatchObject({
      type: 'integer',
      min: 1,
      max: 100,
    });
    expect(described.find((setting) => setting.name === 'LOG_LEVEL')).toMatchObject({
      type: 'enum',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    });
    expect(described.find((setting) => setting.name === 'MEDIA_MAX_TOTAL_BYTES')).not.toHaveProperty('max');
  });
});

describe('the fallback of a saved value', () => {
  it("names what forgetting it brings back: the environment's value or the default, masked like the value", () => {
    const environment = settingsSchema.parse({
      MAX_RETRIES: '2',
      ALLOWED_TOKENS: 'sk-environment-token-123456',
    });
    const snapshot = layerSettings(
      environment,
      (name) => name === 'MAX_RETRIES' || name === 'ALLOWED_TOKENS',
      { MAX_RETRIES: '5', TIME_OUT: '60', ALLOWED_TOKENS: 'sk-saved-token-abcdefghij' },
      { MAX_RETRIES: 5, TIME_OUT: 60, ALLOWED_TOKENS: ['sk-saved-token-abcdefghij'] },
      2,
    );
    const described = new Map(describeSettings(snapshot).map((setting) => [setting.name, setting]));
    expect(described.get('MAX_RETRIES')).toMatchObject({
      value: 5,
      source: 'saved',
      fallback: { source: 'env', value: 2 },
    });
    expect(described.get('TIME_OUT')).toMatchObject({
      value: 60,
      fallback: { source: 'default', value: 300 },
    });
    expect(described.get('ALLOWED_TOKENS')?.fallback?.source).toBe('env');
    expect(JSON.stringify(described.get('ALLOWED_TOKENS'))).not.toMatch(
      /sk-environment-token-123456|sk-saved-token-abcdefghij/,
    );
    expect(described.get('PORT')).not.toHaveProperty('fallback');
  });
});
