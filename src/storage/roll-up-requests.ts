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

const bucketOf = (ms: number, span: RollupSpan) => ms - (ms % spanMs[span]);

function newStat(
  span: RollupSpan,
  bucket: number,
  model: string,
  route: string,
  clientId: string,
  outcome: string,
) {
  return {
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
    latency: new Array<number>(latencyBucketCount).fill(0),
  } satisfies StatDelta;
}

function newKey(span: KeyDelta['span'], bucket: number, keyId: string, model: string): KeyDelta {
  return {
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
}

function addStat(target: StatDelta, source: StatDelta): void {
  target.requests += source.requests;
  target.attempts += source.attempts;
  target.inputTokens += source.inputTokens;
  target.outputTokens += source.outputTokens;
  target.thoughtTokens += source.thoughtTokens;
  target.cachedTokens += source.cachedTokens;
  target.latencyMsSum += source.latencyMsSum;
  for (let index = 0; index < latencyBucketCount; index++)
    target.latency[index] = (target.latency[index] ?? 0) + (source.latency[index] ?? 0);
}

function addKey(target: KeyDelta, source: KeyDelta): void {
  target.requests += source.requests;
  target.attempts += source.attempts;
  target.failedAttempts += source.failedAttempts;
  target.answers400 += source.answers400;
  target.answers403 += source.answers403;
  target.answers429 += source.answers429;
  target.answers5xx += source.answers5xx;
  target.inputTokens += source.inputTokens;
  target.outputTokens += source.outputTokens;
}

function countAnswer(delta: KeyDelta, status: number | null, outcome: string): void {
  delta.attempts += 1;
  if (outcome !== 'ok') delta.failedAttempts += 1;
  if (status === 400) delta.answers400 += 1;
  else if (status === 401 || status === 403) delta.answers403 += 1;
  else if (status === 429) delta.answers429 += 1;
  else if (status !== null && status >= 500) delta.answers5xx += 1;
}

/**
 * The batch's additions to the rollups, one delta per distinct row, in a stable order (so that
 * instances writing the same rows at once take their locks in the same order). Each request is
 * added once, to its minute and its key's hour; hours and days are summed from those, as a batch
 * holds a few hundred milliseconds of requests and so few distinct minutes (the log writer runs
 * this for every request: per-span work per request cost about 4 µs, this about 1 µs).
 */
export function rollUpRequests(entries: readonly RequestLogEntry[]): {
  stats: StatDelta[];
  keys: KeyDelta[];
} {
  const minutes = new Map<string, StatDelta>();
  const keyHours = new Map<string, KeyDelta>();

  const stat = (minute: number, model: string, route: string, clientId: string, outcome: string) => {
    const id = `${minute}\0${model}\0${route}\0${clientId}\0${outcome}`;
    let delta = minutes.get(id);
    if (!delta) {
      delta = newStat('minute', minute, model, route, clientId, outcome);
      minutes.set(id, delta);
    }
    return delta;
  };
  const key = (hour: number, keyId: string, model: string) => {
    const id = `${hour}\0${keyId}\0${model}`;
    let delta = keyHours.get(id);
    if (!delta) {
      delta = newKey('hour', hour, keyId, model);
      keyHours.set(id, delta);
    }
    return delta;
  };

  for (const entry of entries) {
    const outcome = cut.outcome(entry.errorClass ?? (entry.success ? 'ok' : 'failed'));
    const model = cut.model(entry.model);
    const route = cut.route(entry.route);
    const clientId = cut.id(entry.clientId);
    const minute = bucketOf(entry.createdAt, 'minute');
    const hour = bucketOf(entry.createdAt, 'hour');
    const latencyMs = clampCount(entry.latencyMs);
    const bucketIndex = latencyBucketOf(latencyMs);
    const delta = stat(minute, model, route, clientId, outcome);
    delta.requests += 1;
    delta.latencyMsSum += latencyMs;
    delta.latency[bucketIndex] = (delta.latency[bucketIndex] ?? 0) + 1;
    const served = entry.keyId ? key(hour, cut.id(entry.keyId), model) : undefined;
    if (served) served.requests += 1;
    if (entry.tokens) {
      const input = clampCount(entry.tokens.input);
      const output = clampCount(entry.tokens.output);
      delta.inputTokens += input;
      delta.outputTokens += output;
      delta.thoughtTokens += clampCount(entry.tokens.thoughts);
      delta.cachedTokens += clampCount(entry.tokens.cached);
      if (served) {
        served.inputTokens += input;
        served.outputTokens += output;
      }
    }
    for (const attempt of entry.trace ?? []) {
      const attemptOutcome = cut.outcome(attempt.outcome);
      (attemptOutcome === outcome ? delta : stat(minute, model, route, clientId, attemptOutcome)).attempts +=
        1;
      const attemptKey = cut.id(attempt.keyId);
      countAnswer(
        served && attemptKey === served.keyId ? served : key(hour, attemptKey, model),
        attempt.status,
        attempt.outcome,
      );
    }
  }

  // Hours and days from the minutes, days from the keys' hours.
  const stats = new Map<string, StatDelta>();
  for (const [id, minute] of minutes) {
    stats.set(`minute\0${id}`, minute);
    for (const span of ['hour', 'day'] as const) {
      const bucket = bucketOf(minute.bucket, span);
      const spanId = `${span}\0${bucket}\0${minute.model}\0${minute.route}\0${minute.clientId}\0${minute.outcome}`;
      let total = stats.get(spanId);
      if (!total) {
        total = newStat(span, bucket, minute.model, minute.route, minute.clientId, minute.outcome);
        stats.set(spanId, total);
      }
      addStat(total, minute);
    }
  }
  const keys = new Map<string, KeyDelta>();
  for (const hourDelta of keyHours.values()) {
    keys.set(`hour\0${hourDelta.bucket}\0${hourDelta.keyId}\0${hourDelta.model}`, hourDelta);
    const bucket = bucketOf(hourDelta.bucket, 'day');
    const dayId = `day\0${bucket}\0${hourDelta.keyId}\0${hourDelta.model}`;
    let total = keys.get(dayId);
    if (!total) {
      total = newKey('day', bucket, hourDelta.keyId, hourDelta.model);
      keys.set(dayId, total);
    }
    addKey(total, hourDelta);
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
