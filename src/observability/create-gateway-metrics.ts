import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricSink } from '../core/metric-sink.js';
import { createModelLabels } from './create-model-labels.js';
import { LabelChildren } from './label-children.js';

/** The pool's keys by state now (keypool/summarize-pool.ts counts). */
export interface KeyStateCounts {
  readonly active: number;
  readonly resting: number;
  readonly disabled: number;
  readonly refused: number;
}

/** The request log writer's backlog now: entries held, and entries dropped since start. */
export interface LogBacklog {
  readonly queued: number;
  readonly dropped: number;
}

export interface GatewayMetricsOptions {
  /** Models the settings name (TEST_MODEL, IMAGE_MODELS, …): labelled by name from the first request. */
  readonly knownModels: readonly string[];
  /** Read at each scrape. */
  readonly keyCounts: () => KeyStateCounts;
  /** Read at each scrape. */
  readonly logBacklog: () => LogBacklog;
  /** The bus instances share facts through (REDIS_URL), read at each scrape; absent for one instance alone. */
  readonly bus?: () => BusHealth;
}

/** The fact bus now: whether Redis answers, and the facts waiting for it. */
export interface BusHealth {
  readonly connected: boolean;
  readonly backlog: number;
}

export interface GatewayMetrics {
  /** What the request path records into. */
  readonly sink: MetricSink;
  /** Prometheus's text exposition format. */
  readonly contentType: string;
  /** A fact from another instance arrived `ms` after it was published. */
  busLag(ms: number): void;
  /** Every metric as Prometheus text: the gateway's and the process's (CPU, memory, event loop, GC). */
  scrape(): Promise<string>;
}

const keyStates = ['active', 'resting', 'disabled', 'refused'] as const;

// Seconds. A whole answer takes from under a second (a short flash reply) to minutes (a long
// thinking answer, TIME_OUT 300 by default); a first byte usually comes within seconds.
const durationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const firstByteBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
// Facts should reach every instance well within a second (issue 11); a backlog replayed after an
// outage shows in the top buckets.
const busLagBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30];

/** The client API a route belongs to (`gemini generateContent` → `native`); the rest of it may be client text. */
function surfaceOf(route: string): string {
  if (route.startsWith('gemini ')) return 'native';
  if (route.startsWith('openai-compat ')) return 'openai-compat';
  if (route.startsWith('openai ')) return 'openai';
  return 'other';
}

// Node's process metrics watch the event loop and GC for the whole process, so they are collected
// once per process (tests start many gateways in one), into a registry every gateway's scrape reads.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The gateway's Prometheus metrics: one registry per gateway, the request path's sink, and gauges
 * read from the pool and the log writer at scrape time. Labels hold no secret: outcome classes,
 * bounded model names, HTTP statuses, surfaces; never a key, a token or a client.
 */
export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const models = createModelLabels(options.knownModels);

  const requests = new Counter({
    name: 'gemgate_requests_total',
    help: 'Client requests answered, by client API (native, openai, openai-compat), model and HTTP status.',
    labelNames: ['surface', 'model', 'status'],
    registers,
  });
  const attempts = new Counter({
    name: 'gemgate_upstream_attempts_total',
    help: 'Calls to Google, by outcome class (ok, quota-minute, invalid-key, upstream-error, …).',
    labelNames: ['outcome'],
    registers,
  });
  const switches = new Counter({
    name: 'gemgate_key_switches_total',
    help: 'Requests moved on to another key, by the outcome class of the call that made them move.',
    labelNames: ['outcome'],
    registers,
  });
  const exhausted = new Counter({
    name: 'gemgate_pool_exhausted_total',
    help: 'Requests answered that no key could serve them, by why (resting, disabled, empty, tried, busy, unknown-pin).',
    labelNames: ['reason'],
    registers,
  });
  // No label: a proxy's host and port are the operator's, and METRICS_PORT serves without auth.
  // The log line of each rest names the proxy.
  const proxyRests = new Counter({
    name: 'gemgate_proxy_rests_total',
    help: "Outbound proxies put to rest because Google rate-limited several keys through one proxy at once (its address's limit, not the keys').",
    registers,
  });
  const durations = new Histogram({
    name: 'gemgate_upstream_duration_seconds',
    help: 'Calls to Google from sending to the last byte of the answer (a stream: its end), by model and whether a stream was asked for.',
    labelNames: ['model', 'stream'],
    buckets: durationBuckets,
    registers,
  });
  const firstBytes = new Histogram({
    name: 'gemgate_upstream_first_byte_seconds',
    help: "Streamed calls to Google from sending to the answer's first chunk, by model.",
    labelNames: ['model'],
    buckets: firstByteBuckets,
    registers,
  });
  new Gauge({
    name: 'gemgate_keys',
    help: 'Keys in the pool by state: active, resting (for some model), disabled (switched off), refused by Google.',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = options.keyCounts();
      for (const state of keyStates) this.set({ state }, counts[state]);
    },
  });
  new Gauge({
    name: 'gemgate_log_queue_depth',
    help: 'Request and error log entries waiting to be written to the database.',
    registers,
    collect() {
      this.set(options.logBacklog().queued);
    },
  });
  let droppedSeen = 0;
  new Counter({
    name: 'gemgate_log_entries_dropped_total',
    help: 'Log entries dropped because the database was slower than the requests (or down) and the queue was full.',
    registers,
    collect() {
      const dropped = options.logBacklog().dropped;
      if (dropped > droppedSeen) this.inc(dropped - droppedSeen);
      droppedSeen = dropped;
    },
  });

  const busLag = new Histogram({
    name: 'gemgate_event_bus_lag_seconds',
    help: "Facts from other instances (a key refused or rested, a setting saved): from publishing to this instance's merge.",
    buckets: busLagBuckets,
    registers,
  });
  const bus = options.bus;
  if (bus) {
    new Gauge({
      name: 'gemgate_event_bus_connected',
      help: 'Whether Redis answers (1) or this instance serves from its own view until it does (0).',
      registers,
      collect() {
        this.set(bus().connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gemgate_event_bus_backlog',
      help: 'Facts this instance learned and could not publish yet, while Redis does not answer.',
      registers,
      collect() {
        this.set(bus().backlog);
      },
    });
  }

  const requestChildren = new LabelChildren((surface, model, status) =>
    requests.labels(surface, model, status),
  );
  const attemptChildren = new LabelChildren((outcome) => attempts.labels(outcome));
  const switchChildren = new LabelChildren((outcome) => switches.labels(outcome));
  const exhaustedChildren = new LabelChildren((reason) => exhausted.labels(reason));
  const durationChildren = new LabelChildren((model, stream) => durations.labels(model, stream));
  const firstByteChildren = new LabelChildren((model) => firstBytes.labels(model));

  const sink: MetricSink = {
    attempted(model, stream, outcome, ms, firstByte) {
      attemptChildren.get(outcome).inc();
      if (outcome === 'ok') models.learn(model);
      // The client left: how long the call had run says nothing of Google.
      else if (outcome === 'client-closed') return;
      if (firstByte) firstByteChildren.get(models.of(model)).observe(ms / 1000);
      else durationChildren.get(models.of(model), stream ? 'true' : 'false').observe(ms / 1000);
    },
    streamEnded(model, ms) {
      durationChildren.get(models.of(model), 'true').observe(ms / 1000);
    },
    poolExhausted(reason) {
      exhaustedChildren.get(reason).inc();
    },
    proxyRested() {
      proxyRests.inc();
    },
    requested(route, model, status, trace) {
      requestChildren.get(surfaceOf(route), models.of(model), status).inc();
      // A switch: the next call went to another key. A request that succeeded on one key and made
      // another call (an image model's second picture) did not switch.
      for (let index = 1; index < trace.length; index++) {
        const before = trace[index - 1];
        const after = trace[index];
        if (before && after && before.outcome !== 'ok' && before.keyId !== after.keyId)
          switchChildren.get(before.outcome).inc();
      }
    },
  };

  return {
    sink,
    contentType: registry.contentType,
    busLag: (ms) => busLag.observe(ms / 1000),
    async scrape() {
      const [own, process] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return own + process;
    },
  };
}
