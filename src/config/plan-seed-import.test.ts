import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../core/key-identity.js';
import { checkSettingValues } from './check-setting-values.js';
import { parseSettings } from './load-settings.js';
import {
  type GemgateHoldings,
  maxSeedValueLength,
  planSeedImport,
  type SeedKeyPlan,
  type SeedRow,
} from './plan-seed-import.js';
import { layerSettings } from './settings-store.js';

/** A well-formed Google key (AIza and 35 more characters), told apart by `label`. */
const key = (label: string) => `AIza${`Test_${label}`.padEnd(35, 'x')}`;

function holdings(
  environment: Record<string, string> = {},
  saved: Record<string, string> = {},
  runtimeKeys: string[] = [],
): GemgateHoldings {
  const { values } = checkSettingValues(saved);
  const snapshot = layerSettings(
    parseSettings(environment),
    (name) => (environment[name] ?? '') !== '',
    saved,
    values,
    1,
  );
  return { settings: snapshot.settings, sources: snapshot.sources, runtimeKeys };
}

const decisionOf = (name: string, value: string | null, held = holdings()) =>
  planSeedImport([{ name, value }], held).decisions[0];

const keysOf = (value: string, held = holdings()): SeedKeyPlan => {
  const decision = decisionOf('API_KEYS', value, held);
  if (decision?.kind !== 'keys') throw new Error('API_KEYS planned as a setting');
  return decision.keys;
};

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('planSeedImport: settings', () => {
  it.each([
    ['an unknown setting', 'SOME_PLUGIN_OPTION', 'x', 'SOME_PLUGIN_OPTION', 'unknown to gemgate'],
    ['a name that may be a secret', `x-${key('n')}`, 'x', '?', 'a name that is not a setting'],
    [
      'an unsupported setting with a value',
      'URL_NORMALIZATION_ENABLED',
      'true',
      'URL_NORMALIZATION_ENABLED',
      'does not support',
    ],
    ['an unsupported setting left empty', 'TIMEZONE', '', 'TIMEZONE', 'empty in the seed'],
    [
      'an unsupported empty list',
      'CLOUDFLARE_IMGBED_URL',
      '[]',
      'CLOUDFLARE_IMGBED_URL',
      'empty in the seed',
    ],
    ['the database type', 'DATABASE_TYPE', 'mysql', 'DATABASE_TYPE', "the seed's database connection"],
    ['the SQLite file', 'SQLITE_DATABASE', 'default_db', 'SQLITE_DATABASE', "the seed's database"],
    ['the MySQL password', 'MYSQL_PASSWORD', 'hunter2hunter2', 'MYSQL_PASSWORD', "the seed's database"],
    ['a blank value', 'TEST_MODEL', '  ', 'TEST_MODEL', 'empty in the seed'],
    ['a null value', 'TEST_MODEL', null, 'TEST_MODEL', 'empty in the seed'],
    ['an invalid number', 'MAX_RETRIES', 'many', 'MAX_RETRIES', 'expected a whole number from 1 to 100'],
    ['an invalid boolean', 'FAKE_STREAM_ENABLED', 'maybe', 'FAKE_STREAM_ENABLED', 'expected true or false'],
    ['an invalid map', 'THINKING_BUDGET_MAP', '{"a": "x"}', 'THINKING_BUDGET_MAP', 'model → number'],
    ['a broken JSON list', 'SEARCH_MODELS', '["a",', 'SEARCH_MODELS', 'does not parse'],
    ['JSON nested 10 000 deep (map)', 'THINKING_BUDGET_MAP', deep(10_000), 'THINKING_BUDGET_MAP', 'expected'],
    ['JSON nested 10 000 deep (list)', 'SAFETY_SETTINGS', deep(10_000), 'SAFETY_SETTINGS', 'expected'],
    ['a huge value', 'TEST_MODEL', 'm'.repeat(maxSeedValueLength + 1), 'TEST_MODEL', 'larger than 1 MiB'],
    ['a value equal to the default', 'MAX_RETRIES', '3', 'MAX_RETRIES', "already gemgate's value"],
    [
      'the seed default, gemgate differs',
      'IMAGE_MODELS',
      '["gemini-2.0-flash-exp", "gemini-2.5-flash-image-preview"]',
      'IMAGE_MODELS',
      "the seed's own default",
    ],
    ['the admin token', 'AUTH_TOKEN', 'sk-seed-admin-token', 'AUTH_TOKEN', 'restart needed'],
  ])('skips %s', (_case, name, value, shownName, reason) => {
    const decision = decisionOf(name, value);
    expect(decision).toMatchObject({ kind: 'skip', name: shownName });
    expect(decision?.kind === 'skip' && decision.reason).toContain(reason);
    // Never a value in a reason: a value may be a secret.
    if (value && value.length > 3) expect(JSON.stringify(decision)).not.toContain(value);
  });

  it.each([
    ['a boolean', 'SHOW_THINKING_PROCESS', 'false', false],
    ['a list as the seed writes it', 'THINKING_MODELS', '["gemini-2.5-flash"]', ['gemini-2.5-flash']],
    [
      'a map with Python floats',
      'THINKING_BUDGET_MAP',
      '{"gemini-2.5-flash": 1024.0}',
      { 'gemini-2.5-flash': 1024 },
    ],
    [
      'client tokens',
      'ALLOWED_TOKENS',
      '["sk-one-token-1234", "sk-two-token-5678"]',
      ['sk-one-token-1234', 'sk-two-token-5678'],
    ],
    ["the seed's log level name", 'LOG_LEVEL', 'DEBUG', 'debug'],
    [
      'outbound proxies',
      'PROXIES',
      '["socks5://user:pass@10.0.0.9:1080", "http://10.0.0.8:3128"]',
      ['socks5://user:pass@10.0.0.9:1080', 'http://10.0.0.8:3128'],
    ],
    ['a number', 'STREAM_MIN_DELAY', '0.05', 0.05],
    [
      'safety settings',
      'SAFETY_SETTINGS',
      '[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]',
      [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    ],
  ])('takes %s, as the text PUT /api/config saves', (_case, name, text, value) => {
    const plan = planSeedImport([{ name, value: ` ${text} ` }], holdings());
    expect(plan.decisions[0]).toEqual({ kind: 'take', name, text, value, replaces: 'default' });
    expect(plan.settings).toEqual({ [name]: text });
  });

  it("takes a value over the environment's, as the seed's database won over its .env", () => {
    const decision = decisionOf('TEST_MODEL', 'gemini-2.5-pro', holdings({ TEST_MODEL: 'gemini-2.5-flash' }));
    expect(decision).toMatchObject({ kind: 'take', replaces: 'env' });
  });

  it("keeps the environment's value over the seed's default", () => {
    const decision = decisionOf(
      'CREATE_IMAGE_MODEL',
      'imagen-3.0-generate-002',
      holdings({ CREATE_IMAGE_MODEL: 'imagen-4.0-ultra-generate-001' }),
    );
    expect(decision).toMatchObject({ kind: 'skip' });
    expect(decision?.kind === 'skip' && decision.reason).toContain(
      'gemgate keeps its value from the environment',
    );
  });

  it('never overwrites a value saved in gemgate, and says a value equal to it is there', () => {
    const held = holdings({}, { TEST_MODEL: 'gemini-2.5-pro' });
    expect(decisionOf('TEST_MODEL', 'gemini-2.0-flash', held)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('not overwritten'),
    });
    expect(decisionOf('TEST_MODEL', 'gemini-2.5-pro', held)).toMatchObject({
      kind: 'skip',
      reason: "already gemgate's value (from a value saved in gemgate)",
    });
  });

  it("takes the seed's Aliyun OSS upload settings when they name a whole bucket, else leaves them behind together", () => {
    const rows: SeedRow[] = [
      { name: 'UPLOAD_PROVIDER', value: 'aliyun_oss' },
      { name: 'OSS_ENDPOINT', value: 'oss-cn-shanghai.aliyuncs.com' },
      { name: 'OSS_ENDPOINT_INNER', value: '' },
      { name: 'OSS_ACCESS_KEY', value: 'test-oss-access-key' },
      { name: 'OSS_ACCESS_KEY_SECRET', value: 'test-oss-secret-not-real' },
      { name: 'OSS_BUCKET_NAME', value: 'seed-images' },
      { name: 'OSS_REGION', value: 'cn-shanghai' },
      { name: 'TEST_MODEL', value: 'gemini-2.5-pro' },
    ];
    expect(Object.keys(planSeedImport(rows, holdings()).settings)).toEqual([
      'UPLOAD_PROVIDER',
      'OSS_ENDPOINT',
      'OSS_ACCESS_KEY',
      'OSS_ACCESS_KEY_SECRET',
      'OSS_BUCKET_NAME',
      'OSS_REGION',
      'TEST_MODEL',
    ]);
    const withoutBucket = planSeedImport(
      rows.filter((row) => row.name !== 'OSS_BUCKET_NAME'),
      holdings(),
    );
    expect(withoutBucket.settings).toEqual({ TEST_MODEL: 'gemini-2.5-pro' });
    expect(withoutBucket.decisions[0]).toMatchObject({
      kind: 'skip',
      name: 'UPLOAD_PROVIDER',
      reason: expect.stringContaining('incomplete for gemgate (OSS_BUCKET_NAME)'),
    });
    expect(JSON.stringify(withoutBucket.decisions)).not.toContain('not-real');
    // The seed's default, smms, is gemgate's local: nothing to take.
    expect(decisionOf('UPLOAD_PROVIDER', 'smms')).toMatchObject({ kind: 'skip' });
  });

  it('reads the last of two rows with one name, as the seed does', () => {
    const plan = planSeedImport(
      [
        { name: 'TEST_MODEL', value: 'gemini-2.0-flash' },
        { name: 'TEST_MODEL', value: 'gemini-2.5-pro' },
      ],
      holdings(),
    );
    expect(plan.decisions[0]).toMatchObject({ kind: 'skip', reason: expect.stringContaining('a later row') });
    expect(plan.settings).toEqual({ TEST_MODEL: 'gemini-2.5-pro' });
  });
});

describe('planSeedImport: the keys of API_KEYS', () => {
  it('takes each key once, reports repeats and what is not a key, by place and never by value', () => {
    const malformed = 'AIzaTooShort';
    const keys = keysOf(
      JSON.stringify([key('a'), key('b'), key('a'), malformed, ' ', 'sk-not-google', key('b')]),
    );
    expect(keys.fresh.map((entry) => entry.secret)).toEqual([key('a'), key('b')]);
    expect(keys.fresh[0]).toEqual({ ...createKeyIdentity(key('a')), secret: key('a') });
    expect(keys.duplicates).toBe(2);
    expect(keys.present).toBe(0);
    expect(keys.malformedCount).toBe(2);
    expect(keys.malformed).toEqual([
      { place: 'entry 4', problem: 'starts like a Google API key but has 12 characters, not 39' },
      { place: 'entry 5', problem: 'is not a Google API key (AIza and 35 letters, digits, - or _)' },
    ]);
    expect(JSON.stringify(keys.malformed)).not.toContain(malformed);
  });

  it('names a key with whitespace or control characters by the format check', () => {
    const keys = keysOf(JSON.stringify([`${key('a').slice(0, 10)}\u0007${key('a').slice(11)}`]));
    expect(keys.malformed).toEqual([{ place: 'entry 1', problem: 'has a control character at position 11' }]);
  });

  it('reads a comma list too', () => {
    expect(keysOf(`${key('a')}, ${key('b')}`).fresh).toHaveLength(2);
  });

  it('finds the keys in the text of a list that does not parse, and says it does not', () => {
    const keys = keysOf(`["${key('a')}",\n "${key('b')}", "AIzaBroken", "${key('a')}"`);
    expect(keys.listProblem).toContain('does not parse');
    expect(keys.fresh.map((entry) => entry.secret)).toEqual([key('a'), key('b')]);
    expect(keys.duplicates).toBe(1);
    expect(keys.malformed).toEqual([{ place: 'line 2', problem: expect.stringContaining('10 characters') }]);
  });

  it('counts keys gemgate holds, in API_KEYS or added at run time, as present', () => {
    const held = holdings({ API_KEYS: key('env') }, {}, [key('runtime')]);
    const keys = keysOf(JSON.stringify([key('env'), key('runtime'), key('new')]), held);
    expect(keys.present).toBe(2);
    expect(keys.fresh.map((entry) => entry.secret)).toEqual([key('new')]);
  });

  it('leaves out a key whose id another key holds, naming places, never keys', () => {
    const sameId = (secret: string) => ({ id: 'same', masked: secret.slice(0, 4) });
    const plan = planSeedImport(
      [{ name: 'API_KEYS', value: JSON.stringify([key('a'), key('b')]) }],
      holdings({}, {}, [key('held')]),
      sameId,
    );
    const decision = plan.decisions[0];
    expect(plan.keys).toEqual([]);
    expect(decision?.kind === 'keys' && decision.keys.collisions).toEqual([
      'API_KEYS entry 1 is a different key with the id same of a key already in the pool',
      'API_KEYS entry 2 is a different key with the id same of a key already in the pool',
    ]);
  });

  it('stops reporting malformed entries by place after a hundred, and counts them all', () => {
    const keys = keysOf(JSON.stringify(Array.from({ length: 250 }, () => 'AIzaShort')));
    expect(keys.malformed).toHaveLength(100);
    expect(keys.malformedCount).toBe(250);
  });

  it.each([
    ['JSON nested 10 000 deep', deep(10_000)],
    ['a huge value', `${key('a')},${'AIzaX,'.repeat(200_000)}`],
    ['text that was not UTF-8', `["${key('a')}", "AIza\uFFFD\uFFFDbroken"]`],
  ])('survives %s', (_case, value) => {
    const keys = keysOf(value);
    expect(keys.fresh.length).toBeLessThanOrEqual(1);
  });
});

describe('planSeedImport: a second run', () => {
  it('takes nothing new once the first run is written', () => {
    const rows: SeedRow[] = [
      { name: 'API_KEYS', value: JSON.stringify([key('a'), key('b')]) },
      { name: 'ALLOWED_TOKENS', value: '["sk-one-token-1234"]' },
      { name: 'SHOW_SEARCH_LINK', value: 'false' },
    ];
    const first = planSeedImport(rows, holdings());
    expect(Object.keys(first.settings)).toEqual(['ALLOWED_TOKENS', 'SHOW_SEARCH_LINK']);
    expect(first.keys).toHaveLength(2);
    const second = planSeedImport(
      rows,
      holdings(
        {},
        first.settings,
        first.keys.map((entry) => entry.secret),
      ),
    );
    expect(second.settings).toEqual({});
    expect(second.keys).toEqual([]);
    expect(second.decisions[0]).toMatchObject({ kind: 'keys', keys: { present: 2 } });
  });
});
