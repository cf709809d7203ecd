import { z } from 'zod';
import { keyFormatProblem } from '../core/key-format-problem.js';
import { crossSettingProblems } from './cross-setting-problems.js';
import { defaultVertexBase, parseBaseUrl, parseVertexBaseUrl } from './parse-base-url.js';
import { parseDatabaseUrl } from './parse-database-url.js';
import { parseHttpUrl } from './parse-http-url.js';
import { parseNumberMap, parseSafetySettings, parseStringMap } from './parse-json-settings.js';
import { parseKeyList } from './parse-key-list.js';
import { parseList } from './parse-list.js';
import { parseOriginList } from './parse-origin-list.js';
import { parseOutboundProxies } from './parse-outbound-proxies.js';
import { parseProxyList } from './parse-proxy-list.js';
import { parseRateLimits } from './parse-rate-limits.js';
import { parseRedisUrl } from './parse-redis-url.js';

// Every setting arrives as text (environment or .env) under gemini-balance's name, so an existing
// gemini-balance .env keeps working. Messages name what was expected, never the value received:
// several settings are secrets.

type Parse<T> = (text: string) => T;

/**
 * What kind of value a setting holds, as the console needs it to pick a control: declared by the
 * helper that builds the setting's parser, from the same bounds, so the two cannot disagree.
 */
export interface SettingKind {
  readonly type: 'boolean' | 'integer' | 'number' | 'string' | 'url' | 'list' | 'map' | 'json' | 'enum';
  readonly min?: number;
  readonly max?: number;
  /** The values an `enum` setting accepts (its aliases aside). */
  readonly options?: readonly string[];
}

/** The kind of every setting of `settingsSchema`, keyed by its field. */
export const settingKinds = z.registry<SettingKind>();

function setting<T>(parse: Parse<T>, fallback: T, kind: SettingKind) {
  return z
    .string()
    .optional()
    .transform((text, context): T => {
      if (text === undefined || text.trim() === '') return fallback;
      try {
        return parse(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .register(settingKinds, kind);
}

/** PAID_KEY: one key, refused as API_KEYS refuses an entry (by what is wrong, never the key). */
function parsePaidKey(text: string): string {
  const key = text.trim();
  const problem = keyFormatProblem(key);
  if (problem) throw new Error(`the key ${problem}`);
  return key;
}

const text = (fallback: string) => setting((value) => value.trim(), fallback, { type: 'string' });
const list = (fallback: string[] = []) => setting(parseList, fallback, { type: 'list' });

const integer = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  setting(
    (value) => {
      const parsed = Number(value.trim());
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        throw new Error(`expected a whole number from ${min} to ${max}`);
      }
      return parsed;
    },
    fallback,
    max === Number.MAX_SAFE_INTEGER ? { type: 'integer', min } : { type: 'integer', min, max },
  );

const number = (fallback: number, min: number) =>
  setting(
    (value) => {
      const parsed = Number(value.trim());
      if (!Number.isFinite(parsed) || parsed < min) throw new Error(`expected a number of at least ${min}`);
      return parsed;
    },
    fallback,
    { type: 'number', min },
  );

const boolean = (fallback: boolean) =>
  setting(
    (value) => {
      const normalized = value.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
      if (['false', '0', 'no', 'off'].includes(normalized)) return false;
      throw new Error('expected true or false');
    },
    fallback,
    { type: 'boolean' },
  );

function oneOf<const T extends string>(choices: readonly T[], fallback: T, aliases: Record<string, T> = {}) {
  return setting(
    (value): T => {
      const normalized = value.trim().toLowerCase();
      const choice = aliases[normalized] ?? choices.find((candidate) => candidate === normalized);
      if (!choice) throw new Error(`expected one of ${choices.join(', ')}`);
      return choice;
    },
    fallback,
    { type: 'enum', options: choices },
  );
}

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const settingsSchema = z
  .object({
    // Key pool and client access
    API_KEYS: setting(parseKeyList, [], { type: 'list' }),
    ALLOWED_TOKENS: list(),
    AUTH_TOKEN: text(''),
    MAX_FAILURES: integer(3, 1),
    MAX_RETRIES: integer(3, 1, 100),
    TEST_MODEL: text('gemini-2.5-flash-lite'),
    CHECK_INTERVAL_HOURS: number(1, 0),
    POOL_WAIT_SECONDS: number(0, 0),
    KEY_RATE_LIMITS: setting(parseRateLimits, {}, { type: 'map' }),
    // Upstream
    BASE_URL: setting(parseBaseUrl, parseBaseUrl('https://generativelanguage.googleapis.com'), {
      type: 'url',
    }),
    TIME_OUT: integer(300, 1, 86_400),
    CONNECT_TIMEOUT_SECONDS: number(5, 0.1),
    // A stream's first byte waits for the model's thinking when thoughts are not streamed: long
    // reasoning runs tens of seconds before anything is sent. 60 s lets that through, while a
    // stalled key still costs a client a minute rather than TIME_OUT's five before another is tried.
    FIRST_BYTE_TIMEOUT_SECONDS: number(60, 0.1),
    STREAM_IDLE_TIMEOUT_SECONDS: number(30, 0.1),
    /** Vertex AI express keys: a pool of their own, served under `/vertex-express/v1beta`. */
    VERTEX_API_KEYS: setting(parseKeyList, [], { type: 'list' }),
    VERTEX_EXPRESS_BASE_URL: setting(parseVertexBaseUrl, defaultVertexBase, { type: 'url' }),
    /** Outbound proxies for upstream calls (http, https, socks5), kept as written: they may hold passwords. */
    PROXIES: setting(parseOutboundProxies, [] as string[], { type: 'list' }),
    /** With PROXIES: a key always goes by the same proxy (a hash of its id); false: one at random per call. */
    PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: boolean(true),
    /** With PROXIES: distinct keys rate-limited through one proxy within 10 s that rest the proxy; 0: never. */
    PROXY_RATE_LIMIT_KEYS: integer(3, 0),
    // OpenAI-compatible layer and model features (gemini-balance's names)
    SEARCH_MODELS: list(['gemini-2.5-flash', 'gemini-2.5-pro']),
    IMAGE_MODELS: list([]),
    THINKING_MODELS: list([]),
    THINKING_BUDGET_MAP: setting(parseNumberMap, {}, { type: 'map' }),
    SHOW_THINKING_PROCESS: boolean(true),
    SHOW_SEARCH_LINK: boolean(true),
    TOOLS_CODE_EXECUTION_ENABLED: boolean(false),
    URL_CONTEXT_ENABLED: boolean(false),
    URL_CONTEXT_MODELS: list(['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite']),
    SAFETY_SETTINGS: setting(parseSafetySettings, [], { type: 'json' }),
    CUSTOM_HEADERS: setting(parseStringMap, {}, { type: 'map' }),
    CREATE_IMAGE_MODEL: text('imagen-4.0-generate-001'),
    /** The key of images/generations and the `{CREATE_IMAGE_MODEL}-chat` model, outside the pool; empty: the pool's. */
    PAID_KEY: setting(parsePaidKey, '', { type: 'string' }),
    TTS_MODEL: text('gemini-2.5-flash-preview-tts'),
    /** The Gemini voice of audio/speech when the request names none (the seed's default). */
    TTS_VOICE_NAME: text('Zephyr'),
    TTS_SPEED: oneOf(['slow', 'normal', 'fast'], 'normal'),
    /** The ffmpeg that encodes audio/speech as mp3, opus, aac and flac: a name on PATH, or a path. */
    FFMPEG_PATH: text('ffmpeg'),
    /** A client sees, and names in its requests, only the files it uploaded (the admin token: all). */
    FILES_USER_ISOLATION_ENABLED: boolean(true),
    FILES_CLEANUP_ENABLED: boolean(true),
    FILES_CLEANUP_INTERVAL_HOURS: integer(1, 1, 168),
    /** Where clients reach the gateway, for image URLs it serves; derived from each request when empty. */
    PUBLIC_URL: text(''),
    /**
     * Where generated images are published: `local` (the gateway serves them), `s3` (a bucket of an
     * S3-compatible service) or `aliyun_oss` (the seed's OSS_* settings). The seed's image hosts
     * (smms, picgo, cloudflare_imgbed) are read as `local`, and named in the start's warning.
     */
    UPLOAD_PROVIDER: oneOf(['local', 's3', 'aliyun_oss'], 'local', {
      smms: 'local',
      picgo: 'local',
      cloudflare_imgbed: 'local',
    }),
    S3_ENDPOINT: setting(parseHttpUrl, '', { type: 'url' }),
    S3_REGION: text('us-east-1'),
    S3_BUCKET: text(''),
    S3_ACCESS_KEY_ID: text(''),
    S3_SECRET_ACCESS_KEY: text(''),
    /** Where clients read uploaded images (a CDN, a public bucket domain); empty: the object's URL. */
    S3_PUBLIC_URL: setting(parseHttpUrl, '', { type: 'url' }),
    S3_KEY_PREFIX: text('gemgate/'),
    OSS_ENDPOINT: text(''),
    OSS_ENDPOINT_INNER: text(''),
    OSS_ACCESS_KEY: text(''),
    OSS_ACCESS_KEY_SECRET: text(''),
    OSS_BUCKET_NAME: text(''),
    OSS_REGION: text(''),
    /** Whether http(s) media named in requests may live on private, loopback or link-local addresses. */
    ALLOW_PRIVATE_MEDIA_URLS: boolean(false),
    /** How many http(s) media URLs one chat request may name, and how much they may weigh together. */
    MEDIA_MAX_URLS: integer(16, 1, 1000),
    MEDIA_MAX_TOTAL_BYTES: integer(32 * 1024 * 1024, 1),
    // Streaming
    FAKE_STREAM_ENABLED: boolean(false),
    FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: number(5, 0.1),
    STREAM_OPTIMIZER_ENABLED: boolean(false),
    STREAM_MIN_DELAY: number(0.016, 0),
    STREAM_MAX_DELAY: number(0.024, 0),
    STREAM_SHORT_TEXT_THRESHOLD: integer(10, 1),
    STREAM_LONG_TEXT_THRESHOLD: integer(50, 1),
    STREAM_CHUNK_SIZE: integer(5, 1),
    // Models
    FILTERED_MODELS: list([
      'gemini-1.0-pro-vision-latest',
      'gemini-pro-vision',
      'chat-bison-001',
      'text-bison-001',
      'embedding-gecko-001',
    ]),
    // Storage
    /** One address for the database server (postgres://… or mysql://…), over the settings below. */
    DATABASE_URL: setting(parseDatabaseUrl, '', { type: 'string' }),
    DATABASE_TYPE: oneOf(['sqlite', 'mysql', 'postgres'], 'sqlite', { postgresql: 'postgres' }),
    SQLITE_DATABASE: text('gemgate.db'),
    MYSQL_HOST: text(''),
    MYSQL_PORT: integer(3306, 1, 65_535),
    MYSQL_USER: text('root'),
    MYSQL_PASSWORD: setting((value) => value, '', { type: 'string' }),
    MYSQL_DATABASE: text(''),
    MYSQL_SOCKET: text(''),
    POSTGRES_HOST: text('localhost'),
    POSTGRES_PORT: integer(5432, 1, 65_535),
    POSTGRES_USER: text('postgres'),
    POSTGRES_PASSWORD: setting((value) => value, '', { type: 'string' }),
    POSTGRES_DATABASE: text('gemgate'),
    /** The Redis that several instances share key states, limits and settings through; empty: none. */
    REDIS_URL: setting(parseRedisUrl, '', { type: 'string' }),
    // Logs
    LOG_LEVEL: oneOf(logLevels, 'info', { warning: 'warn', critical: 'fatal' }),
    ERROR_LOG_RECORD_REQUEST_BODY: boolean(false),
    AUTO_DELETE_ERROR_LOGS_ENABLED: boolean(true),
    AUTO_DELETE_ERROR_LOGS_DAYS: integer(7, 1, 3650),
    AUTO_DELETE_REQUEST_LOGS_ENABLED: boolean(false),
    AUTO_DELETE_REQUEST_LOGS_DAYS: integer(30, 1, 3650),
    // Server
    /** How long a shutdown waits for open requests and streams before it cuts them. */
    SHUTDOWN_TIMEOUT_SECONDS: number(30, 0),
    HOST: text('0.0.0.0'),
    PORT: integer(8000, 0, 65_535),
    /** A port of its own for GET /metrics, without auth (and then not on PORT); 0 serves it on PORT. */
    METRICS_PORT: integer(0, 0, 65_535),
    /** Origins whose pages may call the client APIs from a browser: `*` (any) or a list of origins. */
    CORS_ALLOWED_ORIGINS: setting(parseOriginList, ['*'], { type: 'list' }),
    /** Reverse proxies whose X-Forwarded-For / -Proto are believed (addresses, ranges); none by default. */
    TRUSTED_PROXIES: setting(parseProxyList, [] as string[], { type: 'list' }),
    // Admin
    ADMIN_SESSION_EXPIRE: integer(3600, 300, 86_400),
  })
  .superRefine((settings, context) => {
    for (const problem of crossSettingProblems(settings))
      context.addIssue({ code: 'custom', path: [problem.name], message: problem.message });
    if (settings.DATABASE_TYPE === 'mysql' && !settings.MYSQL_DATABASE) {
      context.addIssue({
        code: 'custom',
        path: ['MYSQL_DATABASE'],
        message: 'required when DATABASE_TYPE is mysql',
      });
    }
    if (settings.DATABASE_TYPE === 'mysql' && !settings.MYSQL_HOST && !settings.MYSQL_SOCKET) {
      context.addIssue({
        code: 'custom',
        path: ['MYSQL_HOST'],
        message: 'MYSQL_HOST or MYSQL_SOCKET is required when DATABASE_TYPE is mysql',
      });
    }
  });

export type Settings = z.output<typeof settingsSchema>;
