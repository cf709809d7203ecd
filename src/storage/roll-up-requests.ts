import { parseAttemptTrace } from '../core/attempt-trace.js';
import type { RequestLogEntry } from '../core/log-sink.js';

/** The periods statistics are kept in; minutes only for the last hour's figures. */
export type RollupSpan = 'minute' | 'hour' | 'day';

export const spanMs: Readonly<Record<RollupSpan, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/**
 * Upper bounds (ms) of the latency histogram's buckets; the last is open. Percentiles over a day or
 * a month are read from these counts, as no query can afford to sort a month of raw latencies.
 */
export const latencyBoundsMs = [
  100, 250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 120_000,
] as const;
export const latencyBucketCount = latencyBoundsMs.length + 1;

export function latencyBucketOf(ms: number): number {
  let index = 0;
  while (index < latencyBoundsMs.length && ms > (latencyBoundsMs[index] as number)) index++;
  return index;
}

const maxCount = 2_147_483_647;

/**
 * A count (tokens, milliseconds) as an integer column takes it. Token counts are Google's (or a hostile upstream's)
 * numbers: a fraction, a negative, infinity or a count past 2^31 would make PostgreSQL refuse the
 * row, and with it the batch.
 */
export function clampCount(count: number): number {
  if (Number.isNaN(count)) return 0;
  return Math.min(Math.max(Math.round(count), 0), maxCount);
}

/**
 * Names as a rollup's key columns hold them, cut before rows are merged (two names that differ
 * only past the cut are one row). Model names come from clients: enough of one is kept to name it.
 */
const cut = {
  model: (name: string | null) => (name ?? '').slice(0, 128),
  route: (name: string) => name.slice(0, 128),
  id: (id: string | undefined | null) => (id ?? '').slice(0, 16),
  outcome: (name: string) => name.slice(0, 64),
};

/**
 * Requests by period × model × route × client × outcome class: what the summary, the series and the
 * breakdowns read. `requests` counts requests by how they ended; `attempts` counts upstream calls
 * by their own outcome (a request that met a key at its daily quota and then was served adds an
 * attempt to `quota-day` and a request and an attempt to `ok`).
 */
export interface StatDelta {
  readonly span: RollupSpan;
  readonly bucket: number;
  readonly model: string;
  readonly route: string;
  readonly clientId: string;
  readonly outcome: string;
  requests: number;
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  thoughtTokens: number;
  cachedTokens: number;
  latencyMsSum: number;
  readonly latency: number[];
}

/** Upstream calls by period × key × model: per-key usage, and the keys Google refuses most. */
export interface KeyDelta {
  readonly span: Exclude<RollupSpan, 'minute'>;
  readonly bucket: number;
  readonly keyId: string;
  readonly model: string;
  /** Requests this key finally served or failed. */
  requests: number;
  attempts: number;
  failedAttempts: number;
  answers400: number;
  /** 401 and 403: Google refusing the key or the request. */
  answers403: number;
  answers429: number;
  answers5xx: number;
  inputTokens: number;
  outputTokens: number;
}

const statSpans: readonly RollupSpan[] = ['minute', 'hour', 'day'];
const keySpans: readonly Exclude<RollupSpan, 'minute'>[] = ['hour', 'day'];

const bucketOf = (ms: number, span: RollupSpan) => ms - (ms % spanMs[span]);

/**
 * The batch's additions to the rollups, one delta per distinct row, in a stable order (so that
 * instances writing the same rows at once take their locks in the same order).
 */
export function rollUpRequests(entries: readonly RequestLogEntry[]): {
  stats: StatDelta[];
  keys: KeyDelta[];
} {
  const stats = new Map<string, StatDelta>();
  const keys = new Map<string, KeyDelta>();

  const stat = (span: RollupSpan, at: number, entry: RequestLogEntry, outcome: string) => {
    const bucket = bucketOf(at, span);
    const model = cut.model(entry.model);
    const route = cut.route(entry.route);
    const clientId = cut.id(entry.clientId);
    const id = `${span}\0${bucket}\0${model}\0${route}\0${clientId}\0${outcome}`;
    let delta = stats.get(id);
    if (!delta) {
      delta = {
        span,
        bucket,
        model,
        route,
        clientId,
        outcome,
        requests: 0,
        attempts: 0,
        inputTokens: 0,
        outputTokens: 0,
        thoughtTokens: 0,
        cachedTokens: 0,
        latencyMsSum: 0,
        latency: new Array(latencyBucketCount).fill(0),
      };
      stats.set(id, delta);
    }
    return delta;
  };
  const key = (span: Exclude<RollupSpan, 'minute'>, at: number, fullId: string, entry: RequestLogEntry) => {
    const bucket = bucketOf(at, span);
    const model = cut.model(entry.model);
    const keyId = cut.id(fullId);
    const id = `${span}\0${bucket}\0${keyId}\0${model}`;
    let delta = keys.get(id);
    if (!delta) {
      delta = {
        span,
        bucket,
        keyId,
        model,
        requests: 0,
        attempts: 0,
        failedAttempts: 0,
        answers400: 0,
        answers403: 0,
        answers429: 0,
        answers5xx: 0,
        inputTokens: 0,
        outputTokens: 0,
      };
      keys.set(id, delta);
    }
    return delta;
  };

  for (const entry of entries) {
    const outcome = cut.outcome(entry.errorClass ?? (entry.success ? 'ok' : 'failed'));
    const latencyMs = clampCount(entry.latencyMs);
    const bucketIndex = latencyBucketOf(latencyMs);
    const attempts = parseAttemptTrace(entry.trace ?? null);
    for (const span of statSpans) {
      const delta = stat(span, entry.createdAt, entry, outcome);
      delta.requests += 1;
      delta.latencyMsSum += latencyMs;
      delta.latency[bucketIndex] = (delta.latency[bucketIndex] ?? 0) + 1;
      if (entry.tokens) {
        delta.inputTokens += clampCount(entry.tokens.input);
        delta.outputTokens += clampCount(entry.tokens.output);
        delta.thoughtTokens += clampCount(entry.tokens.thoughts);
        delta.cachedTokens += clampCount(entry.tokens.cached);
      }
      for (const attempt of attempts) stat(span, entry.createdAt, entry, attempt.outcome).attempts += 1;
    }
    for (const span of keySpans) {
      if (entry.keyId) {
        const delta = key(span, entry.createdAt, entry.keyId, entry);
        delta.requests += 1;
        if (entry.tokens) {
          delta.inputTokens += clampCount(entry.tokens.input);
          delta.outputTokens += clampCount(entry.tokens.output);
        }
      }
      for (const attempt of attempts) {
        const delta = key(span, entry.createdAt, attempt.keyId, entry);
        delta.attempts += 1;
        if (attempt.outcome !== 'ok') delta.failedAttempts += 1;
        const status = attempt.status;
        if (status === 400) delta.answers400 += 1;
        else if (status === 401 || status === 403) delta.answers403 += 1;
        else if (status === 429) delta.answers429 += 1;
        else if (status !== null && status >= 500) delta.answers5xx += 1;
      }
    }
  }
  const byId = <T>(map: Map<string, T>) =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
  return { stats: byId(stats), keys: byId(keys) };
}

/**
 * The latency below which a share `q` (0–1) of the requests fell, read from histogram counts: the
 * bucket holding that rank, interpolated linearly within its bounds (the open bucket reads as its
 * lower bound). Null when there were no requests.
 */
export function latencyPercentile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (const [index, count] of counts.entries()) {
    if (count > 0 && below + count >= rank) {
      const lower = index === 0 ? 0 : (latencyBoundsMs[index - 1] as number);
      const upper = latencyBoundsMs[index];
      if (upper === undefined) return lower;
      return Math.round(lower + ((upper - lower) * (rank - below)) / count);
    }
    below += count;
  }
  return latencyBoundsMs[latencyBoundsMs.length - 1] as number;
}
