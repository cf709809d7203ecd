import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Settings } from './config/settings.js';
import { unsupportedSeedSettingsIn } from './config/unsupported-seed-settings.js';
import { type Clock, systemClock } from './core/clock.js';
import { createApp } from './http/create-app.js';
import { createKeyStateSaver, type KeyStateSaver } from './keypool/create-key-state-saver.js';
import { createKeyPool, type KeyPool } from './keypool/key-pool.js';
import { createLogger } from './observability/create-logger.js';
import { createKeyProber, type KeyProber } from './relay/create-key-prober.js';
import { createDatabase, type Database } from './storage/create-database.js';
import { createImageStore } from './storage/create-image-store.js';
import { createLogWriter, type LogWriter } from './storage/create-log-writer.js';
import { createKeyRepository } from './storage/key-repository.js';
import { createLogRepository } from './storage/log-repository.js';
import { logStorageEvent } from './storage/log-storage-event.js';
import { migrateToLatest } from './storage/migrate-to-latest.js';
import { createSettingRepository } from './storage/setting-repository.js';
import { createMediaFetcher } from './upstream/fetch-media.js';
import { createGeminiClient } from './upstream/gemini-client.js';

export interface GatewayOptions {
  /** Where log lines go (stdout by default); tests capture them to prove no secret is logged. */
  readonly logDestination?: DestinationStream;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** The first pause before retrying after Google's own trouble (tests shorten it). */
  readonly troubleBackoffMs?: number;
  /**
   * The settings' text (the environment over `.env`) the settings were parsed from: seed settings
   * in it that gemgate does not support yet are named in one warning at start.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

export interface Gateway {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly database: Database;
  readonly pool: KeyPool;
  readonly logWriter: LogWriter;
  readonly keySaver: KeyStateSaver;
  readonly prober: KeyProber;
  /** The admin token in force: AUTH_TOKEN, or the one generated on first start. */
  readonly authToken: string;
  /** True when this start generated the admin token (it is shown once, then only stored). */
  readonly authTokenGenerated: boolean;
  close(): Promise<void>;
}

const generatedTokenSetting = 'generated_auth_token';

/** The composition root: settings → storage → key pool → relay → HTTP server. */
export async function startGateway(settings: Settings, options: GatewayOptions = {}): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  const logger = createLogger(settings.LOG_LEVEL, options.logDestination);
  const ignored = unsupportedSeedSettingsIn(options.environment ?? {});
  if (ignored.length > 0) {
    logger.warn(`gemini-balance settings gemgate does not support yet, ignored: ${ignored.join(', ')}`);
  }
  const database = createDatabase(settings, {
    onConnectionLost: (error) =>
      logger.info({ reason: error.message }, 'a database connection was lost; another opens when needed'),
  });
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.db.destroy();
    throw error;
  }

  let authToken = settings.AUTH_TOKEN;
  let authTokenGenerated = false;
  if (!authToken) {
    const settingRepository = createSettingRepository(database.db);
    const stored = await settingRepository.get(generatedTokenSetting);
    if (stored) authToken = stored;
    else {
      const fresh = `gg-${randomBytes(24).toString('base64url')}`;
      authToken = await settingRepository.putIfAbsent(generatedTokenSetting, fresh, clock.now());
      authTokenGenerated = authToken === fresh;
    }
  }

  const random = options.random ?? Math.random;
  const pool = createKeyPool(settings.API_KEYS, {
    clock,
    random,
    softFailureLimit: settings.MAX_FAILURES,
    rateLimits: settings.KEY_RATE_LIMITS,
  });
  const keyStore = createKeyRepository(database.db);
  pool.add(await keyStore.loadRuntimeKeys(), 'runtime');
  for (const [id, persisted] of await keyStore.loadStates()) pool.restore(id, persisted);
  pool.takeChanged();
  const keySaver = createKeyStateSaver(pool, keyStore, {
    clock,
    onOutage: (error) =>
      logger.warn({ reason: (error as Error).message }, 'could not save key states; retrying every second'),
    onRecovery: (report) => logger.info(report, 'key states saved again'),
  });
  const client = createGeminiClient({
    base: settings.BASE_URL,
    timeouts: {
      connectMs: settings.CONNECT_TIMEOUT_SECONDS * 1000,
      firstByteMs: settings.FIRST_BYTE_TIMEOUT_SECONDS * 1000,
      streamIdleMs: settings.STREAM_IDLE_TIMEOUT_SECONDS * 1000,
      totalMs: settings.TIME_OUT * 1000,
    },
    customHeaders: settings.CUSTOM_HEADERS,
  });
  const mediaFetcher = createMediaFetcher({
    timeoutMs: 10_000,
    maxBytes: 20 * 1024 * 1024,
    maxUrls: settings.MEDIA_MAX_URLS,
    maxTotalBytes: settings.MEDIA_MAX_TOTAL_BYTES,
    allowPrivate: settings.ALLOW_PRIVATE_MEDIA_URLS,
  });
  const prober = createKeyProber({
    pool,
    client,
    clock,
    testModel: settings.TEST_MODEL,
    intervalMs: settings.CHECK_INTERVAL_HOURS * 3_600_000,
    onProbed: (results) =>
      logger.info(
        { recovered: results.filter((result) => result.ok).map((result) => result.id) },
        `probed ${results.length} refused keys`,
      ),
  });
  const logWriter = createLogWriter(createLogRepository(database), {
    onEvent: (event) => logStorageEvent(logger, event),
  });
  const app = await createApp({
    logger,
    relay: {
      pool,
      client,
      confirmRefusal: (key) => prober.confirmRefusal(key),
      maxAttempts: settings.MAX_RETRIES,
      log: logWriter,
      clock,
      random,
      logRequestBodies: settings.ERROR_LOG_RECORD_REQUEST_BODY,
      troubleBackoffMs: options.troubleBackoffMs ?? 100,
      maxWaitMs: settings.POOL_WAIT_SECONDS * 1000,
      ...(logger.isLevelEnabled('debug')
        ? { debug: (fields, message) => logger.debug(fields, message) }
        : {}),
    },
    keyAdmin: { pool, store: keyStore, prober, clock, authToken },
    settings,
    clientTokens: [...settings.ALLOWED_TOKENS, authToken],
    log: logWriter,
    clock,
    imageStore: createImageStore(),
    mediaFetcher,
  });

  try {
    await app.listen({ port: settings.PORT, host: settings.HOST });
  } catch (error) {
    prober.close();
    await Promise.allSettled([
      app.close(),
      client.close(),
      mediaFetcher.close(),
      logWriter.close(),
      keySaver.close(),
    ]);
    await database.db.destroy();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = settings.HOST === '0.0.0.0' || settings.HOST === '::' ? '127.0.0.1' : settings.HOST;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    app,
    database,
    pool,
    logWriter,
    keySaver,
    prober,
    authToken,
    authTokenGenerated,
    async close() {
      prober.close();
      await app.close();
      await logWriter.close();
      await keySaver.close();
      await client.close();
      await mediaFetcher.close();
      await database.db.destroy();
    },
  };
}
