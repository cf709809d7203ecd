/** The seed's groups (its console shows settings the same way), plus `Server` for gemgate's own. */
export type SettingGroup =
  | 'DB'
  | 'API'
  | 'Model'
  | 'Media'
  | 'TTS'
  | 'Image'
  | 'Files'
  | 'Stream'
  | 'Sched'
  | 'Log'
  | 'Admin'
  | 'Server';

export interface SettingEntry {
  readonly group: SettingGroup;
  readonly description: string;
  /** Masked in every answer and never echoed in an error. */
  readonly secret: boolean;
  /**
   * Whether a change applies to the next request. A setting that is not live is read once at
   * start: it cannot be saved through the API, and an operator changes it in the environment or
   * `.env` and restarts.
   */
  readonly live: boolean;
}

const entry = (group: SettingGroup, description: string, options: Partial<SettingEntry> = {}) => ({
  group,
  description,
  secret: false,
  live: true,
  ...options,
});

const restart = { live: false } as const;
const secret = { secret: true } as const;

/**
 * What the operator API and the console say about each setting of `settingsSchema`. A test checks
 * that every setting has an entry: a setting added to settings.ts needs one here too.
 */
export const settingCatalog: Readonly<Record<string, SettingEntry>> = {
  // Key pool and client access
  API_KEYS: entry(
    'API',
    'The key pool: a JSON array or comma list of Gemini API keys. Keys that stay keep their state; keys added with POST /api/keys are kept apart.',
    secret,
  ),
  ALLOWED_TOKENS: entry('API', 'Tokens clients authenticate with (a JSON array or comma list).', secret),
  AUTH_TOKEN: entry(
    'API',
    'The admin token, also a client token. Generated and stored on first start when empty. Not changed through the API it protects.',
    { ...secret, ...restart },
  ),
  MAX_FAILURES: entry(
    'API',
    'Consecutive Google 5xx or timeouts after which a key rests 10 s for that model.',
  ),
  MAX_RETRIES: entry(
    'API',
    "Attempts one request may spend on Google's own trouble, each on another key (1 to 100).",
  ),
  TEST_MODEL: entry('API', 'The model whose metadata probes read (GET models/{TEST_MODEL}).'),
  CHECK_INTERVAL_HOURS: entry(
    'API',
    'How often keys Google refused are probed, in hours; 0 turns probing off.',
  ),
  POOL_WAIT_SECONDS: entry('API', 'How long a request may wait for a resting key before it is answered 429.'),
  KEY_RATE_LIMITS: entry(
    'API',
    'Per-key ceilings by model, below Google\'s quotas: {"gemini-2.5-pro": {"rpm": 5, "rpd": 100}}.',
  ),
  // Upstream
  BASE_URL: entry('API', "Google's API, or a relay in front of it: an origin with an optional path prefix."),
  VERTEX_API_KEYS: entry(
    'API',
    'Vertex AI express keys (a JSON array or comma list): a pool of their own, rotated and rested like API_KEYS, serving /vertex-express/v1beta. Keys that stay keep their state.',
    secret,
  ),
  VERTEX_EXPRESS_BASE_URL: entry(
    'API',
    "Vertex AI's publisher path that express keys call, its version included; the client's /v1beta/models/… goes after it.",
  ),
  TIME_OUT: entry('API', 'Seconds one upstream call may take in all.'),
  CONNECT_TIMEOUT_SECONDS: entry('API', 'Seconds to open a connection to the upstream.'),
  FIRST_BYTE_TIMEOUT_SECONDS: entry('API', 'Seconds to wait for the first byte of an answer.'),
  STREAM_IDLE_TIMEOUT_SECONDS: entry('API', 'Seconds of silence within a stream before it counts as broken.'),
  CUSTOM_HEADERS: entry('API', 'Headers added to every upstream request: {"X-Team": "search"}.'),
  PROXIES: entry(
    'API',
    'Outbound proxies for calls to Google: http://[user:password@]host:port, https://… or socks5://…, a JSON array or comma list. Empty: calls go straight to Google. A proxy that fails a call does not count against the key: the call is retried on another key.',
    secret,
  ),
  PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: entry(
    'API',
    "With PROXIES: each key always goes through the same proxy, chosen by a hash of the key's id; false: a proxy at random for each call.",
  ),
  PROXY_RATE_LIMIT_KEYS: entry(
    'API',
    "With PROXIES: when this many distinct keys are rate-limited (429) through one proxy within 10 s, Google is limiting the proxy's address, not the keys: the proxy rests until Google's retry time (60 s without one, 10 minutes at most), the keys' rests are cleared, and their calls go through the next proxy meanwhile. 0 turns it off.",
  ),
  // Model features
  SEARCH_MODELS: entry('Model', 'Models offered with a -search name (Google Search grounding).'),
  IMAGE_MODELS: entry('Model', 'Models offered with an -image name (text and image output).'),
  THINKING_MODELS: entry('Model', 'Models offered with a -non-thinking name (thinking budget 0).'),
  THINKING_BUDGET_MAP: entry(
    'Model',
    'A default thinking budget per model, used when the client sets none: {"gemini-2.5-flash": 1024}.',
  ),
  SHOW_THINKING_PROCESS: entry('Model', 'OpenAI API: return thoughts as reasoning_content.'),
  SHOW_SEARCH_LINK: entry('Model', 'OpenAI API: append the sources of grounded answers.'),
  TOOLS_CODE_EXECUTION_ENABLED: entry(
    'Model',
    'Add the code execution tool when the client declared no functions.',
  ),
  URL_CONTEXT_ENABLED: entry('Model', 'Add the URL context tool for the models in URL_CONTEXT_MODELS.'),
  URL_CONTEXT_MODELS: entry('Model', 'Models that get the URL context tool when URL_CONTEXT_ENABLED is on.'),
  SAFETY_SETTINGS: entry('Log', 'Safety settings added to requests that carry none (a JSON array).'),
  FILTERED_MODELS: entry('Model', 'Models hidden from model lists.'),
  // Media the OpenAI API fetches for the client
  PUBLIC_URL: entry(
    'Image',
    'Where clients reach the gateway, for the image URLs it serves; derived from each request when empty.',
  ),
  UPLOAD_PROVIDER: entry(
    'Image',
    "Where generated images go: local (the gateway serves them an hour, from memory), s3 (a bucket of an S3-compatible service: S3_*) or aliyun_oss (OSS_*). The seed's smms, picgo and cloudflare_imgbed read as local. An upload that fails falls back to the gateway's own URL.",
  ),
  S3_ENDPOINT: entry(
    'Image',
    'With UPLOAD_PROVIDER s3: the S3-compatible service, addressed path-style ({S3_ENDPOINT}/{S3_BUCKET}/{key}): https://s3.us-east-1.amazonaws.com, https://{account}.r2.cloudflarestorage.com, http://minio:9000.',
  ),
  S3_REGION: entry('Image', 'With UPLOAD_PROVIDER s3: the region requests are signed for (R2: auto).'),
  S3_BUCKET: entry('Image', 'With UPLOAD_PROVIDER s3: the bucket images are uploaded to.'),
  S3_ACCESS_KEY_ID: entry('Image', 'With UPLOAD_PROVIDER s3: the access key id uploads are signed with.'),
  S3_SECRET_ACCESS_KEY: entry(
    'Image',
    'With UPLOAD_PROVIDER s3: the secret access key uploads are signed with.',
    secret,
  ),
  S3_PUBLIC_URL: entry(
    'Image',
    "Where clients read uploaded images, {S3_PUBLIC_URL}/{key}: a CDN or public bucket domain. Empty: the object's own URL at the bucket, which must then allow public reads.",
  ),
  S3_KEY_PREFIX: entry('Image', 'Put before the name of each uploaded image (s3 and aliyun_oss).'),
  OSS_ENDPOINT: entry(
    'Image',
    "With UPLOAD_PROVIDER aliyun_oss: the bucket's region endpoint, oss-cn-shanghai.aliyuncs.com; images are read at https://{OSS_BUCKET_NAME}.{OSS_ENDPOINT}/{key} unless S3_PUBLIC_URL says otherwise.",
  ),
  OSS_ENDPOINT_INNER: entry(
    'Image',
    'With UPLOAD_PROVIDER aliyun_oss: the endpoint uploads go to instead, from inside Aliyun (oss-cn-shanghai-internal.aliyuncs.com).',
  ),
  OSS_ACCESS_KEY: entry('Image', 'With UPLOAD_PROVIDER aliyun_oss: the AccessKey ID.'),
  OSS_ACCESS_KEY_SECRET: entry('Image', 'With UPLOAD_PROVIDER aliyun_oss: the AccessKey secret.', secret),
  OSS_BUCKET_NAME: entry('Image', 'With UPLOAD_PROVIDER aliyun_oss: the bucket images are uploaded to.'),
  OSS_REGION: entry(
    'Image',
    'With UPLOAD_PROVIDER aliyun_oss: the region id (cn-shanghai); read from OSS_ENDPOINT when empty.',
  ),
  ALLOW_PRIVATE_MEDIA_URLS: entry(
    'Media',
    'Whether media URLs in requests may point at private, loopback or link-local addresses.',
  ),
  MEDIA_MAX_URLS: entry('Media', 'How many media URLs one chat request may name.'),
  MEDIA_MAX_TOTAL_BYTES: entry('Media', 'How many bytes the media URLs of one request may weigh together.'),
  CREATE_IMAGE_MODEL: entry(
    'Image',
    'The model of images/generations when the request names none; `{CREATE_IMAGE_MODEL}-chat` is a chat model that draws the last user message.',
  ),
  PAID_KEY: entry(
    'Image',
    'A key of a billed project for images/generations and the -chat model, used alone outside the pool (its failures are its own and go to the client); empty: the pool serves them.',
    secret,
  ),
  FILES_USER_ISOLATION_ENABLED: entry(
    'Files',
    'A client token sees, gets, deletes and uses in its requests only the files it uploaded through the gateway; the admin token sees all. Off: every client sees every file.',
  ),
  FILES_CLEANUP_ENABLED: entry(
    'Files',
    'Forget the records of files and cached contents Google has deleted (a file lives 48 hours); expired ones are never used meanwhile.',
  ),
  FILES_CLEANUP_INTERVAL_HOURS: entry(
    'Files',
    'Hours between two cleanups of expired file records (1 to 168).',
  ),
  TTS_MODEL: entry('TTS', 'The model of audio/speech for OpenAI model names or a missing model.'),
  TTS_VOICE_NAME: entry(
    'TTS',
    "The Gemini voice of audio/speech when the request names none (OpenAI's voice names are mapped to Gemini's).",
  ),
  TTS_SPEED: entry(
    'TTS',
    "slow, normal or fast: the pace of audio/speech when the request gives no speed, asked for in the prompt (Gemini's TTS has no speed parameter).",
  ),
  // Restart only: a program the gateway runs is not chosen through the API an admin token reaches.
  FFMPEG_PATH: entry(
    'TTS',
    "The ffmpeg that encodes audio/speech as mp3 (OpenAI's default), opus, aac and flac: a name looked up on PATH, or a path. Without it those formats are refused, and speech without a format is WAV.",
    restart,
  ),
  // Streaming
  FAKE_STREAM_ENABLED: entry(
    'Stream',
    'Serve streams with one complete call, with keep-alives while the answer is computed.',
  ),
  FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: entry('Stream', 'Seconds between keep-alives of a fake stream.'),
  STREAM_OPTIMIZER_ENABLED: entry('Stream', 'Pace streamed text in small pieces.'),
  STREAM_MIN_DELAY: entry('Stream', 'Seconds between pieces of long text.'),
  STREAM_MAX_DELAY: entry('Stream', 'Seconds between pieces of short text.'),
  STREAM_SHORT_TEXT_THRESHOLD: entry('Stream', 'Text shorter than this is sent in one piece.'),
  STREAM_LONG_TEXT_THRESHOLD: entry('Stream', 'Text longer than this is cut into STREAM_CHUNK_SIZE pieces.'),
  STREAM_CHUNK_SIZE: entry('Stream', 'Characters per piece of long text.'),
  // Storage: the database holds the saved settings, so it is located before they are read.
  DATABASE_URL: entry(
    'DB',
    'One address for the database server, as hosting platforms give it: postgres://user:password@host:5432/database or mysql://…; it sets DATABASE_TYPE and the POSTGRES_* or MYSQL_* settings, over their own values.',
    { ...secret, ...restart },
  ),
  DATABASE_TYPE: entry('DB', 'sqlite, mysql or postgres.', restart),
  SQLITE_DATABASE: entry('DB', 'The SQLite file; relative paths are under ./data.', restart),
  MYSQL_HOST: entry('DB', 'MySQL / MariaDB host.', restart),
  MYSQL_PORT: entry('DB', 'MySQL / MariaDB port.', restart),
  MYSQL_USER: entry('DB', 'MySQL / MariaDB user.', restart),
  MYSQL_PASSWORD: entry('DB', 'MySQL / MariaDB password.', { ...secret, ...restart }),
  MYSQL_DATABASE: entry('DB', 'MySQL / MariaDB database.', restart),
  MYSQL_SOCKET: entry('DB', 'MySQL / MariaDB unix socket, instead of host and port.', restart),
  POSTGRES_HOST: entry('DB', 'PostgreSQL host.', restart),
  POSTGRES_PORT: entry('DB', 'PostgreSQL port.', restart),
  POSTGRES_USER: entry('DB', 'PostgreSQL user.', restart),
  POSTGRES_PASSWORD: entry('DB', 'PostgreSQL password.', { ...secret, ...restart }),
  POSTGRES_DATABASE: entry('DB', 'PostgreSQL database.', restart),
  REDIS_URL: entry(
    'DB',
    'The Redis several instances share key states, rate limits and saved settings through: redis://[:password@]host:6379/0 (rediss:// for TLS). Empty: this instance keeps them to itself.',
    { ...secret, ...restart },
  ),
  // Logs
  LOG_LEVEL: entry('Log', "trace, debug, info, warn, error, fatal or silent (the seed's names accepted)."),
  ERROR_LOG_RECORD_REQUEST_BODY: entry(
    'Log',
    "Store the first 256 KiB of a failed request's body in the error log.",
  ),
  AUTO_DELETE_ERROR_LOGS_ENABLED: entry(
    'Log',
    'Delete error-log rows older than AUTO_DELETE_ERROR_LOGS_DAYS, once a day.',
  ),
  AUTO_DELETE_ERROR_LOGS_DAYS: entry(
    'Log',
    'Days error-log rows are kept when their deletion is on (1 to 3650).',
  ),
  AUTO_DELETE_REQUEST_LOGS_ENABLED: entry(
    'Log',
    'Delete request-log rows older than AUTO_DELETE_REQUEST_LOGS_DAYS, once a day.',
  ),
  AUTO_DELETE_REQUEST_LOGS_DAYS: entry(
    'Log',
    'Days request-log rows are kept when their deletion is on (1 to 3650).',
  ),
  // Server
  SHUTDOWN_TIMEOUT_SECONDS: entry(
    'Server',
    'Seconds a shutdown (SIGTERM, SIGINT) waits for open requests and streams before it cuts them with an in-band error.',
    restart,
  ),
  HOST: entry('Server', 'The address the gateway listens on.', restart),
  PORT: entry('Server', 'The port the gateway listens on.', restart),
  TRUSTED_PROXIES: entry(
    'Server',
    'Reverse proxies in front of the gateway whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses, ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal. Empty: none, and every client is seen at the address that connected.',
    restart,
  ),
  METRICS_PORT: entry(
    'Server',
    'A port of its own (on HOST) for the Prometheus metrics, served there without auth and then not on PORT; 0 (the default) serves GET /metrics on PORT, for the admin token only.',
    restart,
  ),
  CORS_ALLOWED_ORIGINS: entry(
    'Server',
    'Origins whose pages may call the client APIs from a browser: * (any) or a list of origins.',
    restart,
  ),
  // Admin
  ADMIN_SESSION_EXPIRE: entry(
    'Admin',
    'Seconds a console sign-in lasts (300 to 86400). A change applies to sessions opened after it.',
  ),
};

/**
 * A setting the catalog does not know yet (added to settings.ts without an entry) is treated as
 * safely as possible: masked, and not changeable through the API.
 */
const unknownSetting: SettingEntry = {
  group: 'Server',
  description: '',
  secret: true,
  live: false,
};

export function settingEntry(name: string): SettingEntry {
  return Object.hasOwn(settingCatalog, name) ? (settingCatalog[name] as SettingEntry) : unknownSetting;
}
