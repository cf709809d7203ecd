import { type RawBuilder, sql } from 'kysely';
import type { Database } from './create-database.js';
import { keyMeasures, statMeasures } from './database-schema.js';
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
  keySeries(period: StatsPeriod, keyId: string, nowMs: number): Promise<KeySeriesPoint[]>;
  /** Computes the daily key leaders the last 30 settled days lack (the daily job calls it). */
  prepareLeaders(nowMs: number): Promise<void>;
}

/** The first bucket of a period: the one holding its start, so the period is covered whole. */
function firstBucket(period: StatsPeriod, nowMs: number): number {
  const size = spanMs[period.span];
  const start = nowMs - period.windowMs;
  return start - (((start % size) + size) % size);
}

const histogram = Array.from({ length: latencyBucketCount }, (_, index) => `lat_${index}`);
/**
 * The sums the queries select, in the dialect's fastest exact form. PostgreSQL sums bigint into
 * numeric, and groups text by its locale's collation: ranking a day of 100,000 keys took 60 ms,
 * 40 ms with float8 sums (exact to 2^53) and key ids grouped bytewise (measured with EXPLAIN ANALYZE).
 */
function sumsFor(dialect: Database['dialect']) {
  const postgres = dialect === 'postgres';
  const measure = (column: string) => (postgres ? sql`${sql.ref(column)}::float8` : sql.ref(column));
  const sum = (column: string) => sql`sum(${measure(column)})`;
  const named = (column: string) => sql`${sum(column)} as ${sql.ref(column)}`;
  const keyId = postgres ? sql`key_id collate "C"` : sql`key_id`;
  return {
    stats: [
      ...statMeasures.map(named),
      sql`sum(case when outcome = 'ok' then 0 else ${measure('requests')} end) as failures`,
    ],
    keys: keyMeasures.map(named),
    requests: sum('requests'),
    refusals: sql`${sum('answers_400')} + ${sum('answers_403')} + ${sum('answers_429')}`,
    /** The key id to select and group by. */
    keyId: sql`${keyId} as key_id`,
    keyGroup: keyId,
  };
}

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

const dayMs = spanMs.day;
/** Keys a settled day keeps per ranking: the rankings over days read these, not every key's rows. */
const leadersPerDay = 500;
/** Days the daily job prepares leaders for: the longest range the API offers. */
const leaderDays = 30;
/** Rows of a day may still arrive this long after it ends (log batches held through an outage). */
const settleMs = 3_600_000;
const settledDaysEnd = (nowMs: number) => {
  const settled = nowMs - settleMs;
  return settled - (settled % dayMs);
};
const keyColumnRefs = keyMeasures.map((column) => sql.ref(column));

/** Only the rows with a refusal are read for that ranking: a small share of a busy month. */
const refusalFilter = (order: KeyOrder) =>
  order === 'requests' ? sql`` : sql`and answers_400 + answers_403 + answers_429 > 0`;

/**
 * The statistics' reads: every one a range scan of a rollup's primary key, never of the raw log.
 * Rankings of keys over days are read from each settled day's leaders (the `leadersPerDay` keys with
 * the most requests, or the most 400, 403 and 429 answers, that day) plus the unsettled hours: with
 * 100,000 keys each in use every day, a month of per-key rows is millions, and no query ranks them
 * in 100 ms. A key that is never among a day's leaders is ranked by its unsettled hours only, which
 * matters for no key worth listing.
 */
export function createStatsRepository(database: Database): StatsRepository {
  const { db, dialect } = database;
  const sums = sumsFor(dialect);
  const rankingOf = (order: KeyOrder) => (order === 'requests' ? sums.requests : sums.refusals);
  let preparing = Promise.resolve();
  /** `metric day` of the settled days whose leaders this process knows are in the table. */
  const prepared = new Set<string>();

  /** Computes the leaders of each settled day in [firstDay, endDay) that has none yet. */
  function prepareLeaders(order: KeyOrder, firstDay: number, endDay: number): Promise<void> {
    // One preparation at a time in this process; another instance's is absorbed by the keys.
    preparing = preparing.then(async () => {
      const days: number[] = [];
      for (let day = firstDay; day < endDay; day += dayMs)
        if (!prepared.has(`${order} ${day}`)) days.push(day);
      if (days.length === 0) return;
      const { rows } = await sql<{ day: unknown }>`select distinct day from key_leader
        where metric = ${order} and day >= ${firstDay} and day < ${endDay}`.execute(db);
      const done = new Set(rows.map((row) => Number(row.day)));
      for (const day of days) {
        prepared.add(`${order} ${day}`);
        if (done.has(day)) continue;
        const filter = refusalFilter(order);
        const select = sql`select ${day}, ${order}, ${sums.keyId}, ${sql.join(sums.keys)} from key_rollup
          where span = 'day' and bucket = ${day} ${filter}
          group by ${sums.keyGroup} order by ${rankingOf(order)} desc, key_id limit ${leadersPerDay}`;
        const columns = sql.join([sql.ref('day'), sql.ref('metric'), sql.ref('key_id'), ...keyColumnRefs]);
        await (dialect === 'mysql'
          ? sql`insert ignore into key_leader (${columns}) ${select}`
          : sql`insert into key_leader (${columns}) ${select} on conflict do nothing`
        ).execute(db);
      }
    });
    return preparing;
  }

  const statRows = (period: StatsPeriod, nowMs: number, groupBy: string[]) => {
    const columns = groupBy.map((column) => sql.ref(column));
    const group = columns.length === 0 ? sql`` : sql`group by ${sql.join(columns)}`;
    const selected = columns.length === 0 ? sums.stats : [...columns, ...sums.stats];
    return sql<SumRow>`select ${sql.join(selected)} from stat_rollup
      where span = ${period.span} and bucket >= ${firstBucket(period, nowMs)} and bucket <= ${nowMs}
      ${group}`.execute(db);
  };
  const keyRows = (
    period: StatsPeriod,
    nowMs: number,
    tail: RawBuilder<unknown>,
    column: RawBuilder<unknown>,
  ) =>
    sql<SumRow>`select ${column}, ${sql.join(sums.keys)} from key_rollup
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
      const ranking = rankingOf(order);
      const filter = refusalFilter(order);
      const tail = sql`${filter} group by ${sums.keyGroup} order by ${ranking} desc, key_id limit ${limit}`;
      if (period.span !== 'day')
        return (await keyRows(period, nowMs, tail, sums.keyId)).rows.map(keyTotalsOf);
      // Over days, the settled days are read from their leaders, the rest of the range by the hour.
      const firstDay = firstBucket(period, nowMs);
      const settledEnd = settledDaysEnd(nowMs);
      await prepareLeaders(order, firstDay, settledEnd);
      const { rows } = await sql<SumRow>`select ${sums.keyId}, ${sql.join(sums.keys)} from (
          select key_id, ${sql.join(keyColumnRefs)} from key_leader
            where metric = ${order} and day >= ${firstDay} and day < ${settledEnd}
          union all
          select key_id, ${sql.join(keyColumnRefs)} from key_rollup
            where span = 'hour' and bucket >= ${Math.max(firstDay, settledEnd)} and bucket <= ${nowMs} ${filter}
        ) as ranked group by ${sums.keyGroup} order by ${ranking} desc, key_id limit ${limit}`.execute(db);
      return rows.map(keyTotalsOf);
    },
    prepareLeaders: (nowMs) =>
      (async () => {
        const end = settledDaysEnd(nowMs);
        for (const order of ['requests', 'refusals'] as const)
          await prepareLeaders(order, end - leaderDays * dayMs, end);
      })(),
    async keySeries(period, keyId, nowMs) {
      const tail = sql`and key_id = ${keyId} group by bucket order by bucket`;
      const { rows } = await keyRows(period, nowMs, tail, sql.ref('bucket'));
      return rows.map((row) => ({
        bucket: numberOf(row.bucket),
        ...keyTotalsOf({ ...row, key_id: keyId }),
      }));
    },
  };
}
