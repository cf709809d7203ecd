import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DestinationStream, Logger } from 'pino';
import type { Settings } from './config/settings.js';
import { openSettingsStore } from './config/settings-store.js';
import { unsupportedSeedSettingsIn } from './config/unsupported-seed-settings.js';
import { createClientLabeller } from './core/client-identity.js';
import { type Clock, systemClock } from './core/clock.js';
import { createKeyIdentity, type IdentifyKey } from './core/key-identity.js';
import { createLoginThrottle } from './core/login-throttle.js';
import { randomId } from './core/random-id.js';
import { createLiveRuntime } from './create-live-runtime.js';
import { loadConsoleFiles } from './http/console-files.js';
import { createApp } from './http/create-app.js';
import { createMetricsApp } from './http/create-metrics-app.js';
import { createOpenStreams } from './http/open-streams.js';
import { type InstanceFact, keepInstancesInStep } from './keep-instances-in-step.js';
import { createKeyStateSaver, type KeyStateSaver } from './keypool/create-key-state-saver.js';
import { createSharedRateLedger } from './keypool/create-shared-rate-ledger.js';
import { namingKeyPlaces } from './keypool/find-key-id-collisions.js';
import { createKeyPool, type KeyPool } from './keypool/key-pool.js';
import { summarizePool } from './keypool/summarize-pool.js';
import { createHttpDrain } from './lifecycle/create-http-drain.js';
import { createResourceStack, type ResourceStack } from './lifecycle/create-resource-stack.js';
import { createSpeechEncoder } from './media/create-speech-encoder.js';
import { encodedSpeechFormats } from './media/speech-encodings.js';
import { createGatewayMetrics } from './observability/create-gateway-metrics.js';
import { createLogger } from './observability/create-logger.js';
import type { KeyProber } from './relay/create-key-prober.js';
import { createVerificationJobs } from './relay/create-verification-jobs.js';
import { createAdminSessionRepository } from './storage/admin-session-repository.js';
import { createDatabase, type Database } from './storage/create-database.js';
import { createImageStore } from './storage/create-image-store.js';
import { createLogRetention } from './storage/create-log-retention.js';
import { createLogWriter, type LogWriter } from './storage/create-log-writer.js';
import { createPinCleanup } from './storage/create-pin-cleanup.js';
import { createKeyMetaRepository } from './storage/key-meta-repository.js';
import { createKeyRepository } from './storage/key-repository.js';
import { createLogRepository } from './storage/log-repository.js';
import { createLogSearchRepository } from './storage/log-search-repository.js';
import { logStorageEvent } from './storage/log-storage-event.js';
import { mapLegacyKeyIds } from './storage/map-legacy-key-ids.js';
import { migrateToLatest } from './storage/migrate-to-latest.js';
import { openRedisState, type RedisState } from './storage/open-redis-state.js';
import { createPinnedResourceRepository } from './storage/pinned-resource-repository.js';
import { rekeyStoredKeys } from './storage/rekey-stored-keys.js';
import { resolveAdminToken } from './storage/resolve-admin-token.js';
import { rewriteLogKeyIds } from './storage/rewrite-log-key-ids.js';
import { createSavedSettingValues, createSettingRepository } from './storage/setting-repository.js';
import { createStatsRepository } from './storage/stats-repository.js';

// src/ and dist/ are siblings: from either, the build's console is ../dist/web.
const defaultConsoleDirectory = fileURLToPath(new URL('../dist/web', import.meta.url));

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
  /** How keys are named (createKeyIdentity); tests pass one with short ids to force collisions. */
  readonly identifyKey?: IdentifyKey;
  /** Where the built console is (dist/web by default); tests build it elsewhere. */
  readonly consoleDirectory?: string;
}

export interface Gateway {
  readonly url: string;
  /** Where GET /metrics is served without auth, when METRICS_PORT is set. */
  readonly metricsUrl?: string;
  readonly database: Database;
  readonly pool: KeyPool;
  readonly logWriter: LogWriter;
  readonly keySaver: KeyStateSaver;
  readonly prober: KeyProber;
  /** The admin token this start generated (AUTH_TOKEN was empty): shown once, stored as a digest. */
  readonly generatedAuthToken?: string;
  /**
   * Stops accepting, lets open requests and streams finish for `deadlineMs`
   * (SHUTDOWN_TIMEOUT_SECONDS by default), cuts what is left with each protocol's in-band error,
   * then flushes the logs and key states and closes the upstream client and the database.
   */
  close(deadlineMs?: number): Promise<void>;
}

/** Failed sign-ins an address may make in a quarter of an hour before it must wait. */
const loginThrottleLimits = { limit: 10, windowMs: 15 * 60_000, maxAddresses: 10_000 };

/** What a stream still open at the shutdown deadline is told, in its protocol's error shape. */
const shutdownCut = {
  status: 503,
  message: 'The gateway is shutting down: this answer was cut before its end. Send the request again.',
};

/** PAID_KEY's mask, named as such, when `id` is its id: it is in no pool the log names keys by. */
function paidKeyLabel(paidKey: string, id: string): string | undefined {
  if (!paidKey) return undefined;
  const identity = createKeyIdentity(paidKey);
  return identity.id === id ? `${identity.masked} (PAID_KEY)` : undefined;
}

/** The composition root: settings → storage → key pool → relay → HTTP server. */
export async function startGateway(settings: Settings, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = createLogger(settings.LOG_LEVEL, options.logDestination);
  const ignored = unsupportedSeedSettingsIn(options.environment ?? {});
  if (ignored.length > 0) {
    logger.warn(`gemini-balance settings gemgate does not support yet, ignored: ${ignored.join(', ')}`);
  }
  // One close path: a start that fails half-way closes what it opened so far, as close() does.
  const resources = createResourceStack((name, error) =>
    logger.warn({ reason: (error as Error).message }, `could not close the ${name}`),
  );
  try {
    return await openGateway(settings, options, logger, resources);
  } catch (error) {
    await resources.closeAll();
    throw error;
  }
}

/**
 * Opens the state instances share through Redis. An outage is logged once, its end once; the
 * instance serves from its own view meanwhile.
 */
function openShared(url: string, logger: Logger): Promise<RedisState<InstanceFact>> {
  return openRedisState<InstanceFact>({
    url,
    // Its facts are not delivered back to itself; a restart is another instance.
    instance: `${hostname()}-${process.pid}-${randomId(6)}`,
    onOutage: (error) =>
      logger.warn(
        { reason: error.message },
        "Redis does not answer: serving from this instance's own view of the keys; what it learns is sent when Redis is back",
      ),
    onRecovery: (report) => logger.info(report, 'Redis answers again: instances back in step'),
    onListenerError: (error) =>
      logger.error({ reason: (error as Error).message }, 'a fact from another instance could not be merged'),
  });
}

/** Opens each part of the gateway in turn, each pushed on `resources` as soon as it is open. */
async function openGateway(
  settings: Settings,
  options: GatewayOptions,
  logger: Logger,
  resources: ResourceStack,
): Promise<Gateway> {
  const clock = options.clock ?? systemClock;
  const database = createDatabase(settings, {
    onConnectionLost: (error) =>
      logger.info({ reason: error.message }, 'a database connection was lost; another opens when needed'),
  });
  resources.push('database', () => database.db.destroy());
  await migrateToLatest(database);
  // Opened before what writes to it, so that it is flushed after them.
  // Rows name the instance that wrote them: with several behind one balancer, its host name.
  const logWriter = createLogWriter(createLogRepository(database, { instance: hostname() }), {
    onEvent: (event) => logStorageEvent(logger, event),
  });
  resources.push('log writer', () => logWriter.close());

  const { admin, generated } = await resolveAdminToken(
    settings.AUTH_TOKEN,
    createSettingRepository(database.db),
    clock.now(),
  );

  // Set once the instances share facts (REDIS_URL): changes made before are in the store anyway.
  let inStep: ReturnType<typeof keepInstancesInStep> | undefined;
  // Values an operator saved through /api/config apply over the environment's from here on.
  const store = await openSettingsStore({
    onSaved: () => inStep?.settingsChanged(),
    environment: settings,
    ...(options.environment ? { environmentText: options.environment } : {}),
    saved: createSavedSettingValues(database.db, () => clock.now()),
    onIgnored: (problem) =>
      logger.warn(
        { setting: problem.name, reason: problem.message },
        "a saved setting is ignored; the environment's value applies",
      ),
    onListenerError: (error) =>
      logger.error({ reason: (error as Error).message }, 'a change of the settings was not fully applied'),
  });
  const stats = createStatsRepository(database);
  const retention = createLogRetention({
    db: database.db,
    prepareStatistics: (nowMs) => stats.prepareLeaders(nowMs),
    clock,
    settings: () => store.current().settings,
    onRun: (report) => {
      if ('error' in report)
        logger.warn(
          { reason: (report.error as Error).message },
          'could not delete old log rows; trying again tomorrow',
        );
      else if (Object.values(report.deleted).some((count) => count > 0))
        logger.info({ deleted: report.deleted }, 'old log rows deleted (AUTO_DELETE_*)');
    },
  });
  resources.push('log retention', () => retention.close());
  const current = store.current().settings;
  logger.level = current.LOG_LEVEL;

  const random = options.random ?? Math.random;
  const shared = current.REDIS_URL === '' ? undefined : await openShared(current.REDIS_URL, logger);
  if (shared) resources.push('shared state (Redis)', () => shared.close());
  // Two keys with one id stop the start, named by place and id: the pool could keep only one.
  const pool = namingKeyPlaces(
    () =>
      createKeyPool(current.API_KEYS, {
        clock,
        random,
        softFailureLimit: current.MAX_FAILURES,
        rateLimits: current.KEY_RATE_LIMITS,
        ...(options.identifyKey ? { identify: options.identifyKey } : {}),
        ...(shared
          ? {
              rateLedger: createSharedRateLedger({ store: shared.leases, now: () => clock.now() }),
              onEvents: (events) => inStep?.publishKeyEvents(events),
            }
          : {}),
      }),
    (index) => `API_KEYS entry ${index + 1}`,
  );
  namingKeyPlaces(
    () => pool.add(current.VERTEX_API_KEYS, 'settings', 'vertex-express'),
    (index) => `VERTEX_API_KEYS entry ${index + 1}`,
  );
  const keyStore = createKeyRepository(database.db, database.dialect);
  const runtimeKeys = await keyStore.loadRuntimeKeys();
  namingKeyPlaces(
    () => pool.add(runtimeKeys, 'runtime'),
    (index) => `stored key ${index + 1} (added through the operator API)`,
  );
  // A database written when ids were 32 bits: states and runtime keys move to the ids of now
  // before they are read; log rows follow in the background.
  const rekeyed = await rekeyStoredKeys(database.db, pool.keys());
  if (rekeyed.runtimeKeys + rekeyed.states > 0) logger.info(rekeyed, 'stored keys moved to 64-bit key ids');
  const logKeyIds = rewriteLogKeyIds(database.db, mapLegacyKeyIds(pool.keys()), {
    onDone: (report) => logger.info(report, 'log rows now name keys by their 64-bit ids'),
    onError: (error) =>
      logger.warn(
        { reason: (error as Error).message },
        'could not finish moving log rows to 64-bit key ids; the next start resumes',
      ),
  });
  resources.push('log key id rewrite', () => logKeyIds.close());
  for (const [id, persisted] of await keyStore.loadStates()) pool.restore(id, persisted);
  const metaStore = createKeyMetaRepository(database.db);
  const meta = await metaStore.loadAll();
  pool.takeChanged();
  const keySaver = createKeyStateSaver(pool, keyStore, {
    clock,
    onOutage: (error) =>
      logger.warn({ reason: (error as Error).message }, 'could not save key states; retrying every second'),
    onRecovery: (report) => logger.info(report, 'key states saved again'),
  });
  resources.push('key state saver', () => keySaver.close());
  const metrics = createGatewayMetrics({
    // Models the operator named are labelled by name before Google has served them once.
    knownModels: [
      current.TEST_MODEL,
      ...current.SEARCH_MODELS,
      ...current.IMAGE_MODELS,
      ...current.THINKING_MODELS,
      ...current.URL_CONTEXT_MODELS,
    ],
    keyCounts: () => summarizePool(pool.rows(), clock.now()).counts,
    logBacklog: () => logWriter.backlog(),
    ...(shared ? { bus: () => ({ connected: shared.connected(), backlog: shared.backlog() }) } : {}),
  });
  if (shared) {
    inStep = keepInstancesInStep({
      bus: shared.bus,
      pool,
      settings: store,
      reloadKeys: async () => {
        const stored = await keyStore.loadRuntimeKeys();
        const kept = new Set(stored);
        pool.remove(
          pool
            .rows()
            .filter((row) => row.source === 'runtime' && !kept.has(pool.find(row.key.id)?.secret ?? ''))
            .map((row) => row.key.id),
        );
        pool.add(stored, 'runtime');
        const notes = await metaStore.loadAll();
        meta.clear();
        for (const [id, note] of notes) meta.set(id, note);
      },
      onLag: (lagMs) => metrics.busLag(lagMs),
      onReloadError: (what, error) =>
        logger.warn(
          { reason: (error as Error).message },
          `could not read the ${what} another instance changed; trying again at the next change`,
        ),
    });
  }
  const metricsRoute = { scrape: () => metrics.scrape(), contentType: metrics.contentType };
  const pins = createPinnedResourceRepository(database.db);
  const pinCleanup = createPinCleanup({
    pins,
    clock,
    settings: () => store.current().settings,
    onRun: (report) => {
      if ('error' in report)
        logger.warn({ reason: (report.error as Error).message }, 'could not forget expired file records');
      else if (report.removed > 0) logger.info(report, 'expired file and cache records forgotten');
    },
  });
  resources.push('file record cleanup', () => pinCleanup.close());
  const openStreams = createOpenStreams();
  const imageStore = createImageStore();
  // ffmpeg is looked at once, by the first speech request (a process per start would slow tests
  // and starts for a feature most gateways never serve); what it found is logged once.
  const speechEncoder = createSpeechEncoder({
    ffmpegPath: settings.FFMPEG_PATH,
    onProbed: ({ formats, problem }) => {
      const missing = encodedSpeechFormats.filter((format) => !formats.includes(format));
      if (missing.length === 0) logger.info({ ffmpeg: settings.FFMPEG_PATH }, 'ffmpeg encodes speech');
      else
        logger.warn(
          { ffmpeg: settings.FFMPEG_PATH, missing },
          `ffmpeg (FFMPEG_PATH): ${problem ?? 'it lacks some encoders'}; audio/speech refuses ${missing.join(', ')}` +
            `${formats.includes('mp3') ? '' : ', and answers WAV when a request names no format'}`,
        );
    },
  });
  // The upstream client, media fetcher, prober and routes' options, following the settings.
  const runtime = createLiveRuntime({
    store,
    pool,
    logger,
    clock,
    random,
    troubleBackoffMs: options.troubleBackoffMs ?? 100,
    log: logWriter,
    metrics: metrics.sink,
    statics: { admin, clock, imageStore, openStreams, pins, speechEncoder },
    onProbed: (results) =>
      logger.info(
        { recovered: results.filter((result) => result.ok).map((result) => result.id) },
        `probed ${results.length} refused keys`,
      ),
  });
  resources.push('upstream client, media fetcher and key prober', () => runtime.close());
  // Closed before the upstream client: a job's probes under way are cancelled and end first.
  const jobs = createVerificationJobs({
    prober: runtime.prober,
    clock,
    ...(shared ? { shared: shared.records } : {}),
  });
  resources.push('verification jobs', () => jobs.close());
  const rowNames = {
    keyLabel: (id: string) => pool.find(id)?.masked ?? paidKeyLabel(store.current().settings.PAID_KEY, id),
    clientLabel: createClientLabeller(() => store.current().settings.ALLOWED_TOKENS),
  };
  const app = await createApp({
    logger,
    settings,
    routeOptions: runtime.routeOptions,
    keyAdmin: {
      pool,
      store: keyStore,
      metaStore,
      meta,
      jobs,
      clock,
      onKeysChanged: (removed) => inStep?.keysChanged(removed),
    },
    seedKeys: { pool, probe: (keys, probeOptions) => runtime.prober.probe(keys, probeOptions) },
    config: { store },
    logs: { logs: createLogSearchRepository(database.db), names: rowNames },
    stats: { stats, names: rowNames, clock },
    proxies: { check: () => runtime.checkProxies(), states: () => runtime.proxyStates() },
    operatorAuth: {
      admin,
      sessions: createAdminSessionRepository(database.db),
      clock,
      sessionSeconds: () => store.current().settings.ADMIN_SESSION_EXPIRE,
      throttle: createLoginThrottle(loginThrottleLimits),
    },
    imageStore,
    consoleFiles: loadConsoleFiles(options.consoleDirectory ?? defaultConsoleDirectory),
    // With a METRICS_PORT of their own, the metrics are not on PORT at all.
    ...(settings.METRICS_PORT === 0 ? { metrics: metricsRoute } : {}),
  });
  const http = createHttpDrain(app.server);
  // Set by close(); a start that fails has no request to wait for.
  let drainDeadlineMs: number | undefined;
  resources.push('HTTP server', async () => {
    if (drainDeadlineMs === undefined) return app.close();
    const startMs = performance.now();
    logger.info(
      { openRequests: http.openRequests, deadlineSeconds: drainDeadlineMs / 1000 },
      `shutting down: no new requests; ${http.openRequests} open, given ${drainDeadlineMs / 1000} s to finish`,
    );
    const report = await http.drain({
      deadlineMs: drainDeadlineMs,
      stopAccepting: () => app.close(),
      cutStreams: () => openStreams.cutAll(shutdownCut),
    });
    logger.info(
      { ...report, drainMs: Math.round(performance.now() - startMs) },
      report.late === 0
        ? 'every open request finished; closing storage and upstream'
        : `${report.late} requests still open at the deadline: ${report.cut} streams cut in-band, ${report.reset} connections reset`,
    );
  });

  await app.listen({ port: settings.PORT, host: settings.HOST });
  const address = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const host = settings.HOST === '0.0.0.0' || settings.HOST === '::' ? '127.0.0.1' : settings.HOST;
  const urlOf = (port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let metricsUrl: string | undefined;
  if (settings.METRICS_PORT !== 0) {
    const metricsApp = await createMetricsApp(logger, metricsRoute);
    resources.push('metrics server', () => metricsApp.close());
    await metricsApp.listen({ port: settings.METRICS_PORT, host: settings.HOST });
    metricsUrl = urlOf(settings.METRICS_PORT);
  }

  return {
    url: urlOf(address.port),
    ...(metricsUrl === undefined ? {} : { metricsUrl }),
    database,
    pool,
    logWriter,
    keySaver,
    prober: runtime.prober,
    ...(generated === undefined ? {} : { generatedAuthToken: generated }),
    close(deadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000) {
      if (closing) return closing;
      drainDeadlineMs = deadlineMs;
      closing = resources.closeAll();
      return closing;
    },
  };
}
