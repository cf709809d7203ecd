import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';
import { latencyBucketCount, latencyPercentile, type RollupSpan, spanMs } from './roll-up-requests.js';

/** The figures of a period, read from the rollups. */
export interface StatTotals {
  readonly requests: number;
  readonly failures: number;
  /** Share of requests that succeeded, 0–1; null without requests. */
  readonly successRate: number | null;
  /** Upstream calls, each request's retries and switches included. */
  readonly attempts: number;
  readonly tokens: { input: number; output: number; thoughts: number; cached: number };
  readonly latencyMs: { mean: number | null; p50: number | null; p95: number | null; p99: number | null };
}

/** A period read from the rollups: its length and the rollup it is read from. */
export interface StatsPeriod {
  readonly windowMs: number;
  readonly span: RollupSpan;
}

/** The rollup columns a breakdown or series groups requests by. */
export type StatDimension = 'model' | 'route' | 'client' | 'outcome';
const dimensionColumns: Readonly<Record<StatDimension, string>> = {
  model: 'model',
  route: 'route',
  client: 'client_id',
  outcome: 'outcome',
};

export interface GroupTotals extends StatTotals {
  readonly name: string;
}

export interface SeriesPoint extends StatTotals {
  readonly bucket: number;
  readonly name: string;
}

export interface KeyTotals {
  readonly keyId: string;
  readonly requests: number;
  readonly attempts: number;
  readonly failedAttempts: number;
  readonly answers400: number;
  /** 401 and 403. */
  readonly answers403: number;
  readonly answers429: number;
  readonly answers5xx: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface KeySeriesPoint extends KeyTotals {
  readonly bucket: number;
}

export type KeyOrder = 'requests' | 'refusals';

export interface StatsRepository {
  totals(period: StatsPeriod, nowMs: number): Promise<StatTotals>;
  grouped(period: StatsPeriod, by: StatDimension, nowMs: number): Promise<GroupTotals[]>;
  series(period: StatsPeriod, by: StatDimension | undefined, nowMs: number): Promise<SeriesPoint[]>;
  /** Keys by the requests they served, or by the 400, 403 and 429 answers Google gave them. */
  keys(period: StatsPeriod, order: KeyOrder, limit: number, nowMs: number): Promise<KeyTotals[]>;
  keySeries(period: StatsPeriod, keyId: string | undefined, nowMs: number): Promise<KeySeriesPoint[]>;
}

/** The first bucket of a period: the one holding its start, so the period is covered whole. */
export function firstBucket(period: StatsPeriod, nowMs: number): number {
  const size = spanMs[period.span];
  const start = nowMs - period.windowMs;
  return start - (((start % size) + size) % size);
}

const histogram = Array.from({ length: latencyBucketCount }, (_, index) => `lat_${index}`);
const statSums: RawBuilder<unknown>[] = [
  sql`sum(requests) as requests`,
  sql`sum(case when outcome = 'ok' then 0 else requests end) as failures`,
  sql`sum(attempts) as attempts`,
  sql`sum(input_tokens) as input_tokens`,
  sql`sum(output_tokens) as output_tokens`,
  sql`sum(thought_tokens) as thought_tokens`,
  sql`sum(cached_tokens) as cached_tokens`,
  sql`sum(latency_ms_sum) as latency_ms_sum`,
  ...histogram.map((column) => sql`sum(${sql.ref(column)}) as ${sql.ref(column)}`),
];
const keySums: RawBuilder<unknown>[] = [
  'requests',
  'attempts',
  'failed_attempts',
  'answers_400',
  'answers_403',
  'answers_429',
  'answers_5xx',
  'input_tokens',
  'output_tokens',
].map((column) => sql`sum(${sql.ref(column)}) as ${sql.ref(column)}`);

// Sums come back as numbers, bigint strings (PostgreSQL) or decimal strings (MySQL), or null.
type SumRow = Record<string, unknown>;
const numberOf = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

function totalsOf(row: SumRow | undefined): StatTotals {
  const requests = numberOf(row?.requests);
  const failures = numberOf(row?.failures);
  const counts = histogram.map((column) => numberOf(row?.[column]));
  return {
    requests,
    failures,
    successRate: requests === 0 ? null : (requests - failures) / requests,
    attempts: numberOf(row?.attempts),
    tokens: {
      input: numberOf(row?.input_tokens),
      output: numberOf(row?.output_tokens),
      thoughts: numberOf(row?.thought_tokens),
      cached: numberOf(row?.cached_tokens),
    },
    latencyMs: {
      mean: requests === 0 ? null : Math.round(numberOf(row?.latency_ms_sum) / requests),
      p50: latencyPercentile(counts, 0.5),
      p95: latencyPercentile(counts, 0.95),
      p99: latencyPercentile(counts, 0.99),
    },
  };
}

function keyTotalsOf(row: SumRow): KeyTotals {
  return {
    keyId: String(row.key_id),
    requests: numberOf(row.requests),
    attempts: numberOf(row.attempts),
    failedAttempts: numberOf(row.failed_attempts),
    answers400: numberOf(row.answers_400),
    answers403: numberOf(row.answers_403),
    answers429: numberOf(row.answers_429),
    answers5xx: numberOf(row.answers_5xx),
    inputTokens: numberOf(row.input_tokens),
    outputTokens: numberOf(row.output_tokens),
  };
}

/** The statistics' reads: every one a range scan of a rollup's primary key, never of the raw log. */
export function createStatsRepository(db: Kysely<DatabaseSchema>): StatsRepository {
  const statRows = (period: StatsPeriod, nowMs: number, groupBy: string[]) => {
    const columns = groupBy.map((column) => sql.ref(column));
    const group = columns.length === 0 ? sql`` : sql`group by ${sql.join(columns)}`;
    const selected = columns.length === 0 ? statSums : [...columns, ...statSums];
    return sql<SumRow>`select ${sql.join(selected)} from stat_rollup
      where span = ${period.span} and bucket >= ${firstBucket(period, nowMs)} and bucket <= ${nowMs}
      ${group}`.execute(db);
  };
  const keyRows = (period: StatsPeriod, nowMs: number, tail: RawBuilder<unknown>, columns: string[]) =>
    sql<SumRow>`select ${sql.join([...columns.map((column) => sql.ref(column)), ...keySums])} from key_rollup
      where span = ${period.span} and bucket >= ${firstBucket(period, nowMs)} and bucket <= ${nowMs}
      ${tail}`.execute(db);

  return {
    async totals(period, nowMs) {
      const { rows } = await statRows(period, nowMs, []);
      return totalsOf(rows[0]);
    },
    async grouped(period, by, nowMs) {
      const column = dimensionColumns[by];
      const { rows } = await statRows(period, nowMs, [column]);
      return rows
        .map((row) => ({ name: String(row[column]), ...totalsOf(row) }))
        .sort((a, b) => b.requests - a.requests || b.attempts - a.attempts);
    },
    async series(period, by, nowMs) {
      const column = by === undefined ? undefined : dimensionColumns[by];
      const { rows } = await statRows(period, nowMs, column ? ['bucket', column] : ['bucket']);
      return rows
        .map((row) => ({
          bucket: numberOf(row.bucket),
          name: column ? String(row[column]) : 'all',
          ...totalsOf(row),
        }))
        .sort((a, b) => a.bucket - b.bucket);
    },
    async keys(period, order, limit, nowMs) {
      const refusals = sql`sum(answers_400) + sum(answers_403) + sum(answers_429)`;
      const tail =
        order === 'requests'
          ? sql`group by key_id order by sum(requests) desc, key_id limit ${limit}`
          : // Only the rows with a refusal are read: a small share of a busy month.
            sql`and answers_400 + answers_403 + answers_429 > 0
              group by key_id order by ${refusals} desc, key_id limit ${limit}`;
      const { rows } = await keyRows(period, nowMs, tail, ['key_id']);
      return rows.map(keyTotalsOf);
    },
    async keySeries(period, keyId, nowMs) {
      const tail =
        keyId === undefined
          ? sql`group by bucket order by bucket`
          : sql`and key_id = ${keyId} group by bucket order by bucket`;
      const { rows } = await keyRows(period, nowMs, tail, ['bucket']);
      return rows.map((row) => ({
        bucket: numberOf(row.bucket),
        ...keyTotalsOf({ ...row, key_id: keyId ?? '' }),
      }));
    },
  };
}
