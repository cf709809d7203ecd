import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { SettingName } from './config/check-setting-values.js';
import { parseBucketTarget, uploadSettingNames } from './config/parse-bucket-target.js';
import { describeOutboundProxy } from './config/parse-outbound-proxies.js';
import { planKeyListChange } from './config/plan-key-list-change.js';
import type { Settings } from './config/settings.js';
import type { SettingsSnapshot, SettingsStore } from './config/settings-store.js';
import type { Clock } from './core/clock.js';
import { createLeasedVersions, type LeasedVersions } from './core/leased-versions.js';
import type { LogSink } from './core/log-sink.js';
import type { MetricSink } from './core/metric-sink.js';
import { deriveRouteOptions, type RouteOptions, type RouteStatics } from './http/route-options.js';
import type { KeyPool } from './keypool/key-pool.js';
import { createKeyProber, type KeyProber, type ProbeResult } from './relay/create-key-prober.js';
import type { RelayContext } from './relay/relay-call.js';
import { checkOutboundProxies, type ProxyCheck } from './upstream/check-outbound-proxies.js';
import { createImageUploader, type ImageUploader } from './upstream/create-image-uploader.js';
import { createMediaFetcher, type MediaFetcher } from './upstream/fetch-media.js';
import { createGeminiClient, type GeminiClient } from './upstream/gemini-client.js';

export interface LiveRuntimeOptions {
  readonly store: SettingsStore;
  readonly pool: KeyPool;
  /** Its level follows LOG_LEVEL. */
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: () => number;
  /** The first pause before retrying after Google's own trouble (tests shorten it). */
  readonly troubleBackoffMs: number;
  /** Where request and error logs go. */
  readonly log: LogSink;
  /** Where the request path's metrics go. */
  readonly metrics: MetricSink;
  readonly statics: RouteStatics;
  readonly onProbed: (results: readonly ProbeResult[]) => void;
}

/** What follows the settings while the gateway runs. */
export interface LiveRuntime {
  /** The client routes' options for the settings in force; each request holds the version it took. */
  readonly routeOptions: LeasedVersions<RouteOptions>;
  /** Probes with the upstream client, TEST_MODEL and CHECK_INTERVAL_HOURS in force. */
  readonly prober: KeyProber;
  /** Tries each proxy of PROXIES in force: a call through it to BASE_URL's origin, without a key. */
  checkProxies(): Promise<ProxyCheck[]>;
  /** Stops probing and closes the upstream client and the media fetcher, once their calls end. */
  close(): Promise<void>;
}

// Settings read when a part is built: a change to one of them builds that part again.
const upstreamSettings: readonly SettingName[] = [
  'BASE_URL',
  'TIME_OUT',
  'CONNECT_TIMEOUT_SECONDS',
  'FIRST_BYTE_TIMEOUT_SECONDS',
  'STREAM_IDLE_TIMEOUT_SECONDS',
  'CUSTOM_HEADERS',
  'PROXIES',
  'PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY',
];
const mediaSettings: readonly SettingName[] = [
  'ALLOW_PRIVATE_MEDIA_URLS',
  'MEDIA_MAX_URLS',
  'MEDIA_MAX_TOTAL_BYTES',
];
const proberSettings: readonly SettingName[] = ['TEST_MODEL', 'CHECK_INTERVAL_HOURS'];

/** How long the upload of one generated image may take before the gateway serves it instead. */
const imageUploadTimeoutMs = 10_000;

/** A part that versions of the settings share, closed when the last version using it retires. */
interface Shared<T> {
  readonly value: T;
  use(): void;
  /** Resolves once the part is closed, when this was its last user. */
  release(): Promise<void>;
}

function shared<T>(
  value: T,
  close: (value: T) => Promise<void>,
  onError: (error: unknown) => void,
): Shared<T> {
  let users = 0;
  return {
    value,
    use: () => {
      users += 1;
    },
    release: async () => {
      users -= 1;
      if (users === 0) await close(value).catch(onError);
    },
  };
}

function buildClient(settings: Settings, random: () => number): GeminiClient {
  return createGeminiClient({
    base: settings.BASE_URL,
    timeouts: {
      connectMs: settings.CONNECT_TIMEOUT_SECONDS * 1000,
      firstByteMs: settings.FIRST_BYTE_TIMEOUT_SECONDS * 1000,
      streamIdleMs: settings.STREAM_IDLE_TIMEOUT_SECONDS * 1000,
      totalMs: settings.TIME_OUT * 1000,
    },
    customHeaders: settings.CUSTOM_HEADERS,
    proxies: settings.PROXIES.map(describeOutboundProxy),
    proxyPerKey: settings.PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY,
    random,
  });
}

/** A check's limit for each proxy: a connection that takes longer is no use to calls either. */
const proxyCheckMs = 5_000;

function buildMediaFetcher(settings: Settings): MediaFetcher {
  return createMediaFetcher({
    timeoutMs: 10_000,
    maxBytes: 20 * 1024 * 1024,
    maxUrls: settings.MEDIA_MAX_URLS,
    maxTotalBytes: settings.MEDIA_MAX_TOTAL_BYTES,
    allowPrivate: settings.ALLOW_PRIVATE_MEDIA_URLS,
  });
}

/**
 * The uploader to UPLOAD_PROVIDER's bucket; none for local, nor for settings that do not name a
 * whole bucket (saves and the start refuse those; a saved value forgotten since may leave one).
 */
function buildImageUploader(settings: Settings, clock: Clock, logger: Logger): ImageUploader | undefined {
  const { target, problems } = parseBucketTarget(settings);
  if (problems.length > 0)
    logger.warn(
      { settings: problems.map((problem) => problem.name) },
      `UPLOAD_PROVIDER is ${settings.UPLOAD_PROVIDER}, but its settings are incomplete: generated images are served by the gateway`,
    );
  return (
    target &&
    createImageUploader({
      target,
      now: () => clock.now(),
      timeoutMs: imageUploadTimeoutMs,
      // Once per outage, by reason only: never the key, the signature or the Authorization header.
      onOutage: (report) =>
        logger.warn(
          report,
          'could not upload a generated image to the bucket: images are served by the gateway until an upload works again',
        ),
      onRecovery: (report) => logger.info(report, 'generated images upload to the bucket again'),
    })
  );
}

const changedAmong = (names: readonly SettingName[], changed: ReadonlySet<SettingName>) =>
  names.some((name) => changed.has(name));

/**
 * The reactions to a change of the settings, registered with the store: API_KEYS reconciles the
 * pool, MAX_FAILURES and KEY_RATE_LIMITS set its limits, LOG_LEVEL sets the logger's level, upstream settings build a new client (the old one is
 * closed once the requests that hold it are over), upload settings a new image uploader (it holds
 * no connection of its own), probe settings reschedule the prober, and
 * every change builds the routes' options once for the new version.
 */
export function createLiveRuntime(options: LiveRuntimeOptions): LiveRuntime {
  const { store, pool, logger } = options;
  const onCloseError = (error: unknown) =>
    logger.warn({ reason: (error as Error).message }, 'could not close an upstream client or media fetcher');
  let settings = store.current().settings;
  let client = shared(buildClient(settings, options.random), (value) => value.close(), onCloseError);
  let media = shared(buildMediaFetcher(settings), (value) => value.close(), onCloseError);
  let imageUploader = buildImageUploader(settings, options.clock, logger);

  const buildProber = () =>
    createKeyProber({
      pool,
      client: client.value,
      clock: options.clock,
      testModel: settings.TEST_MODEL,
      intervalMs: settings.CHECK_INTERVAL_HOURS * 3_600_000,
      onProbed: options.onProbed,
    });
  let prober = buildProber();
  // The admin API and requests call whichever prober is current.
  const currentProber: KeyProber = {
    probe: (keys, probeOptions) => prober.probe(keys, probeOptions),
    confirmRefusal: (key) => prober.confirmRefusal(key),
    close: () => prober.close(),
  };

  /** The shared parts each version uses, released when the version retires. */
  const partsOf = new Map<RouteOptions, readonly Shared<unknown>[]>();

  function buildVersion(): RouteOptions {
    const relay: RelayContext = {
      pool,
      client: client.value,
      confirmRefusal: (key) => currentProber.confirmRefusal(key),
      maxAttempts: settings.MAX_RETRIES,
      log: options.log,
      metrics: options.metrics,
      clock: options.clock,
      random: options.random,
      logRequestBodies: settings.ERROR_LOG_RECORD_REQUEST_BODY,
      troubleBackoffMs: options.troubleBackoffMs,
      maxWaitMs: settings.POOL_WAIT_SECONDS * 1000,
      ...(logger.isLevelEnabled('debug')
        ? { debug: (fields, message) => logger.debug(fields, message) }
        : {}),
    };
    const routeOptions = deriveRouteOptions(settings, relay, media.value, options.statics, imageUploader);
    const parts = [client, media];
    for (const part of parts) part.use();
    partsOf.set(routeOptions, parts);
    return routeOptions;
  }

  const routeOptions = createLeasedVersions(buildVersion(), (retired) => {
    for (const part of partsOf.get(retired) ?? []) void part.release();
    partsOf.delete(retired);
  });

  function reconcileKeys(previous: readonly string[], next: readonly string[]) {
    const { added, removed } = planKeyListChange(previous, next);
    if (added.length > 0) pool.add(added, 'settings');
    if (removed.length === 0) return;
    // Keys an operator added at run time (source `runtime`) are not API_KEYS' to remove.
    const gone = new Set(removed);
    pool.remove(
      pool
        .list()
        .filter((view) => view.source === 'settings' && gone.has(pool.find(view.id)?.secret ?? ''))
        .map((view) => view.id),
    );
  }

  function apply(next: SettingsSnapshot, previous: SettingsSnapshot) {
    const changed = new Set(
      (Object.keys(next.settings) as SettingName[]).filter(
        (name) => !isDeepStrictEqual(next.settings[name], previous.settings[name]),
      ),
    );
    settings = next.settings;
    if (changed.size === 0) return;
    if (changed.has('API_KEYS')) {
      try {
        reconcileKeys(previous.settings.API_KEYS, settings.API_KEYS);
      } catch (error) {
        // Two keys sharing an id: the pool refuses the list whole, and the rest of the change applies.
        logger.warn({ reason: (error as Error).message }, 'the pool could not follow API_KEYS');
      }
    }
    if (changed.has('LOG_LEVEL')) logger.level = settings.LOG_LEVEL;
    if (changed.has('MAX_FAILURES') || changed.has('KEY_RATE_LIMITS'))
      pool.setLimits({ softFailureLimit: settings.MAX_FAILURES, rateLimits: settings.KEY_RATE_LIMITS });
    const upstreamChanged = changedAmong(upstreamSettings, changed);
    if (upstreamChanged)
      client = shared(buildClient(settings, options.random), (value) => value.close(), onCloseError);
    if (changedAmong(mediaSettings, changed))
      media = shared(buildMediaFetcher(settings), (value) => value.close(), onCloseError);
    if (changedAmong(uploadSettingNames, changed))
      imageUploader = buildImageUploader(settings, options.clock, logger);
    if (upstreamChanged || changedAmong(proberSettings, changed)) {
      prober.close();
      pool.setNextProbe(undefined);
      prober = buildProber();
    }
    routeOptions.replace(buildVersion());
    // Names only: several settings are secrets.
    logger.info({ version: next.version, changed: [...changed] }, 'settings changed');
  }
  store.subscribe(apply);

  return {
    routeOptions,
    prober: currentProber,
    checkProxies: () =>
      checkOutboundProxies({
        proxies: settings.PROXIES.map(describeOutboundProxy),
        origin: settings.BASE_URL.origin,
        connectMs: Math.min(proxyCheckMs, settings.CONNECT_TIMEOUT_SECONDS * 1000),
        timeoutMs: proxyCheckMs,
      }),
    async close() {
      prober.close();
      // The server is closed first, so no request holds the current version any more.
      const last = routeOptions.current();
      const parts = partsOf.get(last) ?? [];
      partsOf.delete(last);
      await Promise.all(parts.map((part) => part.release()));
    },
  };
}
