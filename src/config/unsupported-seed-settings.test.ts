import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsSchema } from './settings.js';
import { unsupportedSeedSettings, unsupportedSeedSettingsIn } from './unsupported-seed-settings.js';

// The seed's settings as the design docs list them: the table rows of SEED-SETTINGS.md, whose
// second column is the setting's name. The docs sit beside the repository (../shared), in CI too.
const seedSettingsDocument = readFileSync(
  new URL('../../../shared/SEED-SETTINGS.md', import.meta.url),
  'utf8',
);
const seedSettings = seedSettingsDocument
  .split('\n')
  .map((line) => /^\|[^|]*\|\s*([A-Z][A-Z0-9_]+)\s*\|/.exec(line)?.[1])
  .filter((name): name is string => name !== undefined);
const supported = new Set(Object.keys(settingsSchema.shape));

describe('seed settings', () => {
  it('reads every seed setting of SEED-SETTINGS.md', () => {
    // The document's table lists gemini-balance 2.2.8's 73 settings; fewer means the table changed
    // shape and this test would check nothing.
    expect(seedSettings).toHaveLength(73);
    expect(new Set(seedSettings).size).toBe(seedSettings.length);
  });

  it('are each either supported by the schema or named as unsupported', () => {
    const unaccounted = seedSettings.filter(
      (name) => !supported.has(name) && !unsupportedSeedSettings.includes(name),
    );
    expect(unaccounted).toEqual([]);
  });

  it('are never both supported and named as unsupported, and the list names only seed settings', () => {
    expect(unsupportedSeedSettings.filter((name) => supported.has(name))).toEqual([]);
    expect(unsupportedSeedSettings.filter((name) => !seedSettings.includes(name))).toEqual([]);
  });
});

describe('unsupportedSeedSettingsIn', () => {
  it('names the unsupported settings that are set, in the list order, and nothing else', () => {
    expect(
      unsupportedSeedSettingsIn({
        CLOUDFLARE_IMGBED_AUTH_CODE: 'secret-imgbed-code',
        API_KEYS: 'AIza-supported',
        URL_NORMALIZATION_ENABLED: 'true',
        TIMEZONE: 'Asia/Shanghai',
        SOMETHING_ELSE: 'x',
      }),
    ).toEqual(['URL_NORMALIZATION_ENABLED', 'CLOUDFLARE_IMGBED_AUTH_CODE', 'TIMEZONE']);
  });

  it('names UPLOAD_PROVIDER set to one of the seed’s image hosts, after the others; not to a bucket', () => {
    for (const host of ['smms', 'picgo', ' Cloudflare_ImgBed '])
      expect(unsupportedSeedSettingsIn({ UPLOAD_PROVIDER: host, TIMEZONE: 'Asia/Shanghai' })).toEqual([
        'TIMEZONE',
        'UPLOAD_PROVIDER',
      ]);
    for (const provider of ['local', 's3', 'aliyun_oss', '', undefined])
      expect(unsupportedSeedSettingsIn({ UPLOAD_PROVIDER: provider, OSS_BUCKET_NAME: 'b' })).toEqual([]);
  });

  it.each(['', '  ', '[]', '{}', '""'])('ignores a setting whose value %j asks for nothing', (value) => {
    expect(unsupportedSeedSettingsIn({ CLOUDFLARE_IMGBED_AUTH_CODE: value, TIMEZONE: undefined })).toEqual(
      [],
    );
  });
});
