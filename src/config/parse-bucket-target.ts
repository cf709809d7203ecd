import type { SettingProblem } from './check-setting-values.js';
import type { Settings } from './settings.js';

/** The settings that say where generated images go: a change to one builds the uploader again. */
export const uploadSettingNames = [
  'UPLOAD_PROVIDER',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_PUBLIC_URL',
  'S3_KEY_PREFIX',
  'OSS_ENDPOINT',
  'OSS_ENDPOINT_INNER',
  'OSS_ACCESS_KEY',
  'OSS_ACCESS_KEY_SECRET',
  'OSS_BUCKET_NAME',
  'OSS_REGION',
] as const satisfies readonly (keyof Settings)[];

export type UploadSettings = Pick<Settings, (typeof uploadSettingNames)[number]>;

/** The bucket generated images are uploaded to, and where clients read them. */
export interface BucketTarget {
  /** Where objects are PUT: `{bucketUrl}/{key}`. No trailing slash. */
  readonly bucketUrl: string;
  /** Where clients read them: `{publicUrl}/{key}`. No trailing slash. */
  readonly publicUrl: string;
  /** The region SigV4 signs for. */
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Put before each object's name (`gemgate/`). */
  readonly keyPrefix: string;
}

export interface BucketTargetResult {
  /** Undefined when images are served by the gateway (UPLOAD_PROVIDER local) or the settings are wrong. */
  readonly target?: BucketTarget;
  /** What is missing or wrong, by setting name; never a value. */
  readonly problems: readonly SettingProblem[];
}

// S3's bucket names (and the legacy ones with capitals and underscores) are unreserved characters
// only, so a path-style URL needs no encoding for them. Aliyun's go in a host name.
const pathBucket = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const hostBucket = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const region = /^[A-Za-z0-9_-]{1,64}$/;
// `oss-cn-shanghai.aliyuncs.com`, `oss-cn-shanghai-internal.aliyuncs.com`, `s3.oss-cn-shanghai.aliyuncs.com`
const ossRegionInHost = /^(?:s3\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/;

/**
 * The problems of S3_KEY_PREFIX: a leading slash or a `.` or `..` segment would make an object
 * URL that clients and proxies rewrite before asking for it.
 */
function keyPrefixProblem(prefix: string): string | undefined {
  if (prefix.startsWith('/')) return 'must not start with /';
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..'))
    return 'must not hold a . or .. segment';
  if (prefix.length > 512) return 'must be at most 512 characters';
  return undefined;
}

/** Aliyun's endpoint as the seed wrote it (`oss-cn-shanghai.aliyuncs.com`) or as a URL: its scheme and host. */
function ossEndpointOf(text: string): { scheme: string; host: string } | undefined {
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
    const plain = !url.username && !url.password && !url.search && !url.hash && url.pathname === '/';
    if (plain && (url.protocol === 'https:' || url.protocol === 'http:'))
      return { scheme: url.protocol, host: url.host };
  } catch {}
  return undefined;
}

function s3Target(settings: UploadSettings, problems: SettingProblem[]): BucketTarget | undefined {
  const required = 'required when UPLOAD_PROVIDER is s3';
  if (!settings.S3_ENDPOINT) problems.push({ name: 'S3_ENDPOINT', message: required });
  if (!settings.S3_BUCKET) problems.push({ name: 'S3_BUCKET', message: required });
  else if (!pathBucket.test(settings.S3_BUCKET))
    problems.push({
      name: 'S3_BUCKET',
      message: 'expected a bucket name: letters, digits, dots, hyphens and underscores',
    });
  if (!settings.S3_ACCESS_KEY_ID) problems.push({ name: 'S3_ACCESS_KEY_ID', message: required });
  if (!settings.S3_SECRET_ACCESS_KEY) problems.push({ name: 'S3_SECRET_ACCESS_KEY', message: required });
  if (!region.test(settings.S3_REGION))
    problems.push({ name: 'S3_REGION', message: 'expected a region name such as us-east-1 or auto' });
  if (problems.length > 0) return undefined;
  // Path-style addressing: what MinIO, R2, Ceph and most S3-compatible services take, AWS too.
  const bucketUrl = `${settings.S3_ENDPOINT}/${settings.S3_BUCKET}`;
  return {
    bucketUrl,
    publicUrl: settings.S3_PUBLIC_URL || bucketUrl,
    region: settings.S3_REGION,
    accessKeyId: settings.S3_ACCESS_KEY_ID,
    secretAccessKey: settings.S3_SECRET_ACCESS_KEY,
    keyPrefix: settings.S3_KEY_PREFIX,
  };
}

function ossTarget(settings: UploadSettings, problems: SettingProblem[]): BucketTarget | undefined {
  const required = 'required when UPLOAD_PROVIDER is aliyun_oss';
  const endpointProblem = 'expected an endpoint such as oss-cn-shanghai.aliyuncs.com';
  const endpoint = ossEndpointOf(settings.OSS_ENDPOINT);
  if (!settings.OSS_ENDPOINT) problems.push({ name: 'OSS_ENDPOINT', message: required });
  else if (!endpoint) problems.push({ name: 'OSS_ENDPOINT', message: endpointProblem });
  const inner = settings.OSS_ENDPOINT_INNER ? ossEndpointOf(settings.OSS_ENDPOINT_INNER) : endpoint;
  if (!inner && settings.OSS_ENDPOINT_INNER)
    problems.push({ name: 'OSS_ENDPOINT_INNER', message: endpointProblem });
  if (!settings.OSS_BUCKET_NAME) problems.push({ name: 'OSS_BUCKET_NAME', message: required });
  else if (!hostBucket.test(settings.OSS_BUCKET_NAME))
    problems.push({
      name: 'OSS_BUCKET_NAME',
      message: 'expected a bucket name: 3 to 63 lower-case letters, digits and hyphens',
    });
  if (!settings.OSS_ACCESS_KEY) problems.push({ name: 'OSS_ACCESS_KEY', message: required });
  if (!settings.OSS_ACCESS_KEY_SECRET) problems.push({ name: 'OSS_ACCESS_KEY_SECRET', message: required });
  // The region SigV4 signs for is Aliyun's region id (cn-shanghai); ali-oss writes it oss-cn-shanghai.
  const regionId =
    settings.OSS_REGION.replace(/^oss-/, '') || ossRegionInHost.exec(endpoint?.host ?? '')?.[1];
  if (!regionId || !region.test(regionId))
    problems.push({
      name: 'OSS_REGION',
      message: settings.OSS_REGION
        ? 'expected a region id such as cn-shanghai'
        : 'required when OSS_ENDPOINT does not name the region (oss-{region}.aliyuncs.com)',
    });
  if (problems.length > 0 || !endpoint || !inner || !regionId) return undefined;
  // OSS takes only virtual-hosted addressing: the bucket is part of the host name.
  const bucket = settings.OSS_BUCKET_NAME;
  return {
    bucketUrl: `${inner.scheme}//${bucket}.${inner.host}`,
    publicUrl: settings.S3_PUBLIC_URL || `${endpoint.scheme}//${bucket}.${endpoint.host}`,
    region: regionId,
    accessKeyId: settings.OSS_ACCESS_KEY,
    secretAccessKey: settings.OSS_ACCESS_KEY_SECRET,
    keyPrefix: settings.S3_KEY_PREFIX,
  };
}

/**
 * Where UPLOAD_PROVIDER sends generated images: nowhere for `local` (the gateway serves them), an
 * S3-compatible bucket addressed path-style for `s3`, an Aliyun OSS bucket through OSS's
 * S3-compatible API for `aliyun_oss`. Checks the settings together, so that a missing bucket or
 * credential is refused when saved and at start. Pure.
 */
export function parseBucketTarget(settings: UploadSettings): BucketTargetResult {
  if (settings.UPLOAD_PROVIDER === 'local') return { problems: [] };
  const problems: SettingProblem[] = [];
  const target =
    settings.UPLOAD_PROVIDER === 's3' ? s3Target(settings, problems) : ossTarget(settings, problems);
  const prefixProblem = keyPrefixProblem(settings.S3_KEY_PREFIX);
  if (prefixProblem) problems.push({ name: 'S3_KEY_PREFIX', message: prefixProblem });
  return problems.length > 0 || !target ? { problems } : { target, problems };
}
