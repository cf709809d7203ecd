import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Settings } from './config/settings.js';
import { type Clock, systemClock } from './core/clock.js';
import { createApp } from './http/create-app.js';
import { createKeyPool, type KeyPool } from './keypool/key-pool.js';
import { createLogger } from './observability/create-logger.js';
import { createDatabase, type Database } from './storage/create-database.js';
import { createLogWriter, type LogWriter } from './storage/create-log-writer.js';
import { createLogRepository } from './storage/log-repository.js';
import { migrateToLatest } from './storage/migrate-to-latest.js';
import { createSettingRepository } from './storage/setting-repository.js';
import { createGeminiClient } from './upstream/gemini-client.js';

export interface GatewayOptions {
  /** Where log lines go (stdout by default); tests capture them to prove no secret is logged. */
  readonly logDestination?: DestinationStream;
  readonly clock?: Clock;
}

export interface Gateway {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly database: Database;
  readonly pool: KeyPool;
  readonly logWriter: LogWriter;
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
  const database = createDatabase(settings);
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

  const pool = createKeyPool(settings.API_KEYS, { maxFailures: settings.MAX_FAILURES });
  const client = createGeminiClient({ base: settings.BASE_URL, timeoutMs: settings.TIME_OUT * 1000 });
  const logWriter = createLogWriter(createLogRepository(database), {
    onError: (error, dropped) =>
      logger.warn(
        { dropped, reason: (error as Error).message },
        'could not write log entries to the database',
      ),
  });
  const app = await createApp({
    logger,
    relay: {
      pool,
      client,
      maxAttempts: settings.MAX_RETRIES,
      log: logWriter,
      clock,
      logRequestBodies: settings.ERROR_LOG_RECORD_REQUEST_BODY,
    },
    clientTokens: [...settings.ALLOWED_TOKENS, authToken],
    hiddenModels: settings.FILTERED_MODELS,
    log: logWriter,
    clock,
  });

  try {
    await app.listen({ port: settings.PORT, host: settings.HOST });
  } catch (error) {
    await Promise.allSettled([app.close(), client.close(), logWriter.close()]);
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
    authToken,
    authTokenGenerated,
    async close() {
      await app.close();
      await logWriter.close();
      await client.close();
      await database.db.destroy();
    },
  };
}
