import { describe, expect, it } from 'vitest';
import { parseSettings } from './load-settings.js';
import { parseBucketTarget } from './parse-bucket-target.js';
import { parseHttpUrl } from './parse-http-url.js';
import { type Settings, settingsSchema } from './settings.js';

// Settings as the environment gives them, each parsed by its own parser over the defaults: the
// start's check of the whole (which these feed) would refuse the wrong ones before they got here.
const fields = settingsSchema.shape as unknown as Record<string, { parse(text: string): unknown }>;
const defaults = parseSettings({});
const settingsOf = (environment: Record<string, string>): Settings => ({
  ...defaults,
  ...Object.fromEntries(Object.entries(environment).map(([name, text]) => [name, fields[name]?.parse(text)])),
});
const startError = (environment: Record<string, string>) => {
  try {
    parseSettings(environment);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

const s3 = {
  UPLOAD_PROVIDER: 's3',
  S3_ENDPOINT: 'https://account.r2.cloudflarestorage.com/',
  S3_BUCKET: 'images',
  S3_ACCESS_KEY_ID: 'test-access-key-id',
  S3_SECRET_ACCESS_KEY: 'test-secret-access-key-not-real',
};
const oss = {
  UPLOAD_PROVIDER: 'aliyun_oss',
  OSS_ENDPOINT: 'oss-cn-shanghai.aliyuncs.com',
  OSS_ACCESS_KEY: 'test-oss-access-key',
  OSS_ACCESS_KEY_SECRET: 'test-oss-secret-not-real',
  OSS_BUCKET_NAME: 'my-images',
};

describe('parseBucketTarget', () => {
  it('has no bucket for local, the default, nor for the seed’s image hosts', () => {
    for (const provider of ['', 'local', 'smms', 'PicGo', 'cloudflare_imgbed'])
      expect(parseBucketTarget(settingsOf({ UPLOAD_PROVIDER: provider }))).toEqual({ problems: [] });
  });

  it('addresses an S3-compatible bucket path-style, read at the object URL or S3_PUBLIC_URL', () => {
    expect(parseBucketTarget(settingsOf(s3))).toEqual({
      target: {
        bucketUrl: 'https://account.r2.cloudflarestorage.com/images',
        publicUrl: 'https://account.r2.cloudflarestorage.com/images',
        region: 'us-east-1',
        accessKeyId: 'test-access-key-id',
        secretAccessKey: 'test-secret-access-key-not-real',
        keyPrefix: 'gemgate/',
      },
      problems: [],
    });
    const cdn = parseBucketTarget(
      settingsOf({
        ...s3,
        S3_ENDPOINT: 'http://minio:9000/storage',
        S3_REGION: 'auto',
        S3_PUBLIC_URL: 'https://pub-0123.r2.dev//',
        S3_KEY_PREFIX: 'chat images/',
      }),
    ).target;
    expect(cdn).toMatchObject({
      bucketUrl: 'http://minio:9000/storage/images',
      publicUrl: 'https://pub-0123.r2.dev',
      region: 'auto',
      keyPrefix: 'chat images/',
    });
  });

  it('addresses an Aliyun OSS bucket virtual-hosted, uploading through the inner endpoint', () => {
    expect(parseBucketTarget(settingsOf(oss)).target).toEqual({
      bucketUrl: 'https://my-images.oss-cn-shanghai.aliyuncs.com',
      publicUrl: 'https://my-images.oss-cn-shanghai.aliyuncs.com',
      region: 'cn-shanghai',
      accessKeyId: 'test-oss-access-key',
      secretAccessKey: 'test-oss-secret-not-real',
      keyPrefix: 'gemgate/',
    });
    expect(
      parseBucketTarget(
        settingsOf({
          ...oss,
          OSS_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com',
          OSS_ENDPOINT_INNER: 'oss-cn-hangzhou-internal.aliyuncs.com',
          OSS_REGION: 'oss-cn-hangzhou',
        }),
      ).target,
    ).toMatchObject({
      bucketUrl: 'https://my-images.oss-cn-hangzhou-internal.aliyuncs.com',
      publicUrl: 'https://my-images.oss-cn-hangzhou.aliyuncs.com',
      region: 'cn-hangzhou',
    });
    // A custom domain names no region: OSS_REGION must.
    expect(
      parseBucketTarget(settingsOf({ ...oss, OSS_ENDPOINT: 'img.example.com', OSS_REGION: 'cn-beijing' }))
        .target,
    ).toMatchObject({ bucketUrl: 'https://my-images.img.example.com', region: 'cn-beijing' });
  });

  it.each([
    [{ UPLOAD_PROVIDER: 's3' }, ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']],
    [{ ...s3, S3_SECRET_ACCESS_KEY: '' }, ['S3_SECRET_ACCESS_KEY']],
    [{ ...s3, S3_BUCKET: 'a/b' }, ['S3_BUCKET']],
    [{ ...s3, S3_BUCKET: '..' }, ['S3_BUCKET']],
    [{ ...s3, S3_REGION: 'us east' }, ['S3_REGION']],
    [{ ...s3, S3_KEY_PREFIX: '/root/' }, ['S3_KEY_PREFIX']],
    [{ ...s3, S3_KEY_PREFIX: 'a/../b/' }, ['S3_KEY_PREFIX']],
    [
      { UPLOAD_PROVIDER: 'aliyun_oss' },
      ['OSS_ENDPOINT', 'OSS_BUCKET_NAME', 'OSS_ACCESS_KEY', 'OSS_ACCESS_KEY_SECRET', 'OSS_REGION'],
    ],
    [
      { ...oss, OSS_ENDPOINT: 'https://user:pw@oss-cn-shanghai.aliyuncs.com' },
      ['OSS_ENDPOINT', 'OSS_REGION'],
    ],
    [{ ...oss, OSS_ENDPOINT_INNER: 'ftp://inner' }, ['OSS_ENDPOINT_INNER']],
    [{ ...oss, OSS_BUCKET_NAME: 'Upper_Case' }, ['OSS_BUCKET_NAME']],
    [{ ...oss, OSS_ENDPOINT: 'img.example.com' }, ['OSS_REGION']],
  ])('names what is missing or wrong: %j', (environment, names) => {
    const { problems, target } = parseBucketTarget(settingsOf(environment));
    expect(target).toBeUndefined();
    expect(problems.map((problem) => problem.name)).toEqual(names);
    const text = JSON.stringify(problems);
    for (const secret of ['not-real', 'pw@']) expect(text).not.toContain(secret);
  });

  it('stops the start with the names of what is missing, never a value', () => {
    expect(startError({ ...s3, S3_BUCKET: '' })).toBe(
      'Invalid configuration:\n  - S3_BUCKET: required when UPLOAD_PROVIDER is s3',
    );
    const wrong = startError({ ...oss, OSS_BUCKET_NAME: 'Bad_Bucket' });
    expect(wrong).toMatch(/OSS_BUCKET_NAME/);
    expect(wrong).not.toMatch(/not-real|Bad_Bucket/);
    expect(startError(s3)).toBeUndefined();
  });
});

describe('parseHttpUrl', () => {
  it.each([
    ['https://s3.example.com', 'https://s3.example.com'],
    [' http://minio:9000/ ', 'http://minio:9000'],
    ['https://gw.example/s3//', 'https://gw.example/s3'],
  ])('keeps %j as %j', (text, url) => {
    expect(parseHttpUrl(text)).toBe(url);
  });

  it.each([
    's3.example.com',
    'ftp://s3.example.com',
    'https://id:secret@s3.example.com',
    'https://s3.example.com/?a=1',
  ])('refuses %j without repeating it', (text) => {
    expect(() => parseHttpUrl(text)).toThrow();
    try {
      parseHttpUrl(text);
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });
});
