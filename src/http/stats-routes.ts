import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { failureGroupOf } from '../core/failure-group.js';
import { spanMs } from '../storage/roll-up-requests.js';
import type {
  GroupTotals,
  KeyTotals,
  SeriesPoint,
  StatsPeriod,
  StatsRepository,
  StatTotals,
} from '../storage/stats-repository.js';
import { parseAdminQuery } from './admin-input.js';
import type { RowNames } from './log-routes.js';
import { sendAdminError } from './operator-auth.js';

export interface StatsRouteOptions {
  readonly stats: StatsRepository;
  readonly names: RowNames;
  readonly clock: Clock;
}

const minuteMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** The summary's periods, each read from the finest rollup that covers it cheaply. */
const summaryPeriods: Readonly<Record<'minute' | 'hour' | 'day' | 'month', StatsPeriod>> = {
  minute: { windowMs: minuteMs, span: 'minute' },
  hour: { windowMs: hourMs, span: 'minute' },
  day: { windowMs: dayMs, span: 'hour' },
  month: { windowMs: 30 * dayMs, span: 'day' },
};

type Range = '1h' | '24h' | '7d' | '30d';
const ranges: Readonly<Record<Range, { stat: StatsPeriod; key: StatsPeriod }>> = {
  '1h': { stat: { windowMs: hourMs, span: 'minute' }, key: { windowMs: hourMs, span: 'hour' } },
  '24h': { stat: { windowMs: dayMs, span: 'hour' }, key: { windowMs: dayMs, span: 'hour' } },
  '7d': { stat: { windowMs: 7 * dayMs, span: 'hour' }, key: { windowMs: 7 * dayMs, span: 'day' } },
  '30d': { stat: { windowMs: 30 * dayMs, span: 'day' }, key: { windowMs: 30 * dayMs, span: 'day' } },
};
const range = z.enum(['1h', '24h', '7d', '30d']).optional();
const keyId = z
  .string()
  .regex(/^[0-9a-f]{1,16}$/, 'expected a key id')
  .optional();

const seriesSchema = z
  .object({ range, by: z.enum(['model', 'route', 'client', 'outcome', 'key']).optional(), key: keyId })
  .strict();
const breakdownSchema = z
  .object({
    range,
    by: z.enum(['model', 'route', 'client', 'outcome', 'key']),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();

/** Lines a series draws at most; the rest are summed into `other`. */
const maxSeries = 10;

function sumInto(target: Record<string, number>, source: Record<string, number>) {
  for (const [name, value] of Object.entries(source)) target[name] = (target[name] ?? 0) + value;
}

/** Points by name, the `maxSeries` busiest names each a line and the rest one `other` line. */
function linesOf(points: readonly SeriesPoint[]) {
  const totals = new Map<string, number>();
  for (const point of points) totals.set(point.name, (totals.get(point.name) ?? 0) + point.requests);
  const kept = new Set(
    [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxSeries)
      .map(([name]) => name),
  );
  const lines = new Map<string, Map<number, SeriesPoint | Record<string, number>>>();
  for (const point of points) {
    const name = kept.has(point.name) ? point.name : 'other';
    let line = lines.get(name);
    if (!line) {
      line = new Map();
      lines.set(name, line);
    }
    if (name !== 'other') {
      line.set(point.bucket, point);
      continue;
    }
    // Latencies of different lines do not add up: `other` carries counts only.
    const sum = (line.get(point.bucket) as Record<string, number> | undefined) ?? { bucket: point.bucket };
    sumInto(sum, {
      requests: point.requests,
      failures: point.failures,
      attempts: point.attempts,
      inputTokens: point.tokens.input,
      outputTokens: point.tokens.output,
    });
    line.set(point.bucket, sum);
  }
  return [...lines.entries()].map(([name, line]) => ({ name, points: [...line.values()] }));
}

function presentTotals(totals: StatTotals) {
  return { ...totals, tokens: { ...totals.tokens, total: totals.tokens.input + totals.tokens.output } };
}

/**
 * Statistics read from the rollups the log writer keeps (storage/roll-up-requests.ts): a summary of
 * the last minute, hour, 24 hours and 30 days; a series over 1 h, 24 h, 7 d or 30 d, whole or by a
 * dimension; a breakdown by model, route, client, outcome class or key.
 */
export async function statsRoutes(
  app: FastifyInstance,
  { stats, names, clock }: StatsRouteOptions,
): Promise<void> {
  const label = (by: string, name: string) =>
    by === 'client'
      ? (names.clientLabel(name) ?? null)
      : by === 'key'
        ? (names.keyLabel(name) ?? null)
        : null;
  const presentKeyTotals = (totals: KeyTotals) => ({
    ...totals,
    masked: names.keyLabel(totals.keyId) ?? null,
  });

  app.get('/api/stats/summary', async () => {
    const now = clock.now();
    const entries = await Promise.all(
      Object.entries(summaryPeriods).map(
        async ([name, period]) => [name, presentTotals(await stats.totals(period, now))] as const,
      ),
    );
    return { at: new Date(now).toISOString(), ...Object.fromEntries(entries) };
  });

  app.get('/api/stats/series', async (request, reply) => {
    const query = parseAdminQuery(seriesSchema, request, reply);
    if (!query) return reply;
    const name = query.range ?? '24h';
    const now = clock.now();
    if (query.by === 'key' || query.key !== undefined) {
      if (query.by !== 'key' || query.key === undefined)
        return sendAdminError(reply, 400, 'by=key takes key=<id>, the key whose series to draw.');
      const period = ranges[name].key;
      const points = await stats.keySeries(period, query.key, now);
      return {
        range: name,
        bucketMs: spanMs[period.span],
        series: [{ name: query.key, label: label('key', query.key), points }],
      };
    }
    const period = ranges[name].stat;
    const points = await stats.series(period, query.by, now);
    return {
      range: name,
      bucketMs: spanMs[period.span],
      series: linesOf(points).map((line) => ({
        ...line,
        label: query.by ? label(query.by, line.name) : null,
      })),
    };
  });

  app.get('/api/stats/breakdown', async (request, reply) => {
    const query = parseAdminQuery(breakdownSchema, request, reply);
    if (!query) return reply;
    const name = query.range ?? '24h';
    const now = clock.now();
    const limit = query.limit ?? 50;
    if (query.by === 'key') {
      const period = ranges[name].key;
      const [busiest, mostRefused] = await Promise.all([
        stats.keys(period, 'requests', limit, now),
        stats.keys(period, 'refusals', 20, now),
      ]);
      return {
        range: name,
        by: 'key',
        rows: busiest.map(presentKeyTotals),
        mostRefused: mostRefused.map(presentKeyTotals),
      };
    }
    const rows = (await stats.grouped(ranges[name].stat, query.by, now)).slice(0, limit);
    const present = (row: GroupTotals) => ({ ...presentTotals(row), label: label(query.by, row.name) });
    if (query.by !== 'outcome') return { range: name, by: query.by, rows: rows.map(present) };
    const groups = new Map<
      string,
      { group: string; requests: number; attempts: number; classes: string[] }
    >();
    for (const row of rows) {
      const group = failureGroupOf(row.name);
      if (!group) continue;
      let entry = groups.get(group);
      if (!entry) {
        entry = { group, requests: 0, attempts: 0, classes: [] };
        groups.set(group, entry);
      }
      entry.requests += row.requests;
      entry.attempts += row.attempts;
      entry.classes.push(row.name);
    }
    return {
      range: name,
      by: 'outcome',
      rows: rows.map((row) => ({ ...present(row), failureGroup: failureGroupOf(row.name) ?? null })),
      failureGroups: [...groups.values()].sort((a, b) => b.attempts - a.attempts),
    };
  });
}
