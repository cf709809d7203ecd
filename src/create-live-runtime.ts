import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { SettingName } from './config/check-setting-values.js';
import { parseBucketTarget, uploadSettingNames } from './config/parse-bucket-target.js';
import { describeOutboundProxy } from './config/parse-outbound-proxies.js';
import { planKeyListChange } from './config/plan-key-list-change.js';
import type { Settings } from './config/settings.js';
import type { SettingsSnapshot, SettingsStore } from './config/settings-store.js';
import type { Clock } from './core/clock.js';
import { defaultKeyKind, type KeyKind } from './core/key-kind.js';
import { createLeasedVersions, type LeasedVersions } from './core/leased-versions.js';
import type { LogSink } from './core/log-sink.js';
import type { MetricSink } from './core/metric-sink.js';
import { deriveRouteOptions, type RouteOptions, type RouteStatics } from './http/route-options.js';
import { createKeyPool, type KeyPool } from './keypool/key-pool.js';
import { createKeyProber, type KeyProber, type ProbeResult } from './relay/create-key-prober.js';
import type { ProxyRestPolicy, RelayContext } from './relay/relay-call.js';
import { checkOutboundProxies, type ProxyCheck } from './upstream/check-outbound-proxies.js';
import { createImageUploader, type ImageUploader } from './upstream/create-image-uploader.js';
import { createMediaFetcher, type MediaFetcher } from './upstream/fetch-media.js';
import { createGeminiClient, type GeminiClient } from './upstream/gemini-client.js';
import {
  createProxyRests,
  describeProxyStates,
  type ProxyRests,
  type ProxyState,
} from './upstream/proxy-rests.js';

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
  /** Each proxy of PROXIES in force, by label, with its rest when it rests. */
  proxyStates(): ProxyState[];
  /** Stops probing and closes the upstream client and the media fetcher, once their calls end. */
  close(): Promise<void>;
}

// Settings read when a part is built: a change to one of them builds that part again.
const upstreamSettings: readonly SettingName[] = [
  'BASE_URL',
  'VERTEX_EXPRESS_BASE_URL',
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
/** The settings that list keys, and the kind of key each holds. */
const keyLists = [
  ['API_KEYS', 'ai-studio'],
  ['VERTEX_API_KEYS', 'vertex-express'],
] as const satisfies readonly (readonly [SettingName, KeyKind])[];

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

function buildClient(settings: Settings, random: () => number, proxyRests: ProxyRests): GeminiClient {
  return createGeminiClient({
    base: settings.BASE_URL,
    vertexBase: settings.VERTEX_EXPRESS_BASE_URL,
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
    proxyRests,
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
 * The reactions to a change of the settings, registered with the store: API_KEYS and
 * VERTEX_API_KEYS reconcile the pool, MAX_FAILURES and KEY_RATE_LIMITS set its limits, LOG_LEVEL sets the logger's level, upstream settings build a new client (the old one is
 * closed once the requests that hold it are over), upload settings a new image uploader (it holds
 * no connection of its own), probe settings reschedule the prober, and
 * every change builds the routes' options once for the new version.
 */
export function createLiveRuntime(options: LiveRuntimeOptions): LiveRuntime {
  const { store, pool, logger } = options;
  const onCloseError = (error: unknown) =>
    logger.warn({ reason: (error as Error).message }, 'could not close an upstream client or media fetcher');
  let settings = store.current().settings;
  // Kept by label across clients: a proxy that rests still rests after a change of TIME_OUT.
  const proxyRests = createProxyRests(options.clock);
  const newClient = () =>
    shared(buildClient(settings, options.random, proxyRests), (value) => value.close(), onCloseError);
  let client = newClient();
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

  // PAID_KEY's own pool of one key, kept while the key stays: its rests are its own, so a 429 it
  // meets makes the next requests wait for it rather than call Google again, and it never rests or
  // switches off a key of the pool. Its failures reach the client (it has no other key to try).
  let paid: { readonly secret: string; readonly pool: KeyPool } | undefined;
  function paidPoolOf(secret: string): KeyPool {
    const limits = { softFailureLimit: settings.MAX_FAILURES };
    if (paid?.secret === secret) paid.pool.setLimits(limits);
    else
      paid = {
        secret,
        pool: createKeyPool([secret], { clock: options.clock, random: options.random, ...limits }),
      };
    return paid.pool;
  }

  /** The shared parts each version uses, released when the version retires. */
  const partsOf = new Map<RouteOptions, readonly Shared<unknown>[]>();

  /** Labels only: log lines, errors and the operator API never hold a proxy's credentials. */
  const proxyLabels = () => settings.PROXIES.map((entry) => describeOutboundProxy(entry).label);

  function buildProxyPolicy(): ProxyRestPolicy | undefined {
    if (settings.PROXIES.length === 0) return undefined;
    return {
      rests: proxyRests,
      labels: proxyLabels(),
      keys: settings.PROXY_RATE_LIMIT_KEYS,
      onRest(rest) {
        options.metrics.proxyRested();
        logger.warn(
          { proxy: rest.proxy, keys: rest.keys, until: new Date(rest.untilMs).toISOString() },
          'outbound proxy rate-limited by Google: it rests, and the keys limited through it are not blamed',
        );
      },
    };
  }

  function buildVersion(): RouteOptions {
    const proxies = buildProxyPolicy();
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
      ...(proxies ? { proxies } : {}),
    };
    // Images/generations and the -chat model: PAID_KEY alone when set, the pool otherwise.
    const imageRelay = settings.PAID_KEY ? { ...relay, pool: paidPoolOf(settings.PAID_KEY) } : relay;
    const routeOptions = deriveRouteOptions(
      settings,
      { relay, imageRelay },
      media.value,
      options.statics,
      imageUploader,
    );
    const parts = [client, media];
    for (const part of parts) part.use();
    partsOf.set(routeOptions, parts);
    return routeOptions;
  }

  const routeOptions = createLeasedVersions(buildVersion(), (retired) => {
    for (const part of partsOf.get(retired) ?? []) void part.release();
    partsOf.delete(retired);
  });

  /** API_KEYS or VERTEX_API_KEYS changed: the keys that stay keep their state. */
  function reconcileKeys(previous: readonly string[], next: readonly string[], kind: KeyKind) {
    const { added, removed } = planKeyListChange(previous, next);
    if (added.length > 0) pool.add(added, 'settings', kind);
    if (removed.length === 0) return;
    // Keys an operator added at run time (source `runtime`) are not API_KEYS' to remove, nor keys
    // of the other list.
    const gone = new Set(removed);
    pool.remove(
      pool
        .rows()
        .filter(
          (row) =>
            row.source === 'settings' &&
            (row.key.kind ?? defaultKeyKind) === kind &&
            gone.has(pool.find(row.key.id)?.secret ?? ''),
        )
        .map((row) => row.key.id),
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
    for (const [name, kind] of keyLists) {
      if (!changed.has(name)) continue;
      try {
        reconcileKeys(previous.settings[name], settings[name], kind);
      } catch (error) {
        // Two keys sharing an id: the pool refuses the list whole, and the rest of the change applies.
        logger.warn({ reason: (error as Error).message }, `the pool could not follow ${name}`);
      }
    }
    if (changed.has('LOG_LEVEL')) logger.level = settings.LOG_LEVEL;
    if (changed.has('MAX_FAILURES') || changed.has('KEY_RATE_LIMITS'))
      pool.setLimits({ softFailureLimit: settings.MAX_FAILURES, rateLimits: settings.KEY_RATE_LIMITS });
    const upstreamChanged = changedAmong(upstreamSettings, changed);
    if (upstreamChanged) client = newClient();
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
    proxyStates: () => describeProxyStates(proxyLabels(), proxyRests.list()),
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
