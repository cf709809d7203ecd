import { useMemo, useState } from 'preact/hooks';
import { withQuery } from '../api';
import { LineChart } from '../components/chart';
import { Link } from '../components/link';
import { Status } from '../components/status';
import { Table } from '../components/table';
import { formatCount, formatMs, formatPercent, formatTimeLeft } from '../format';
import { useLanguage } from '../i18n';
import type { Messages } from '../i18n/en';
import { useApi } from '../use-api';
import { fillBuckets } from './dashboard/fill-buckets';
import './dashboard.css';

interface Totals {
  requests: number;
  failures: number;
  successRate: number | null;
  attempts: number;
  tokens: { input: number; output: number; total: number };
  latencyMs: { mean: number | null; p50: number | null; p95: number | null; p99: number | null };
}
type Period = 'minute' | 'hour' | 'day' | 'month';
type Summary = { at: string } & Record<Period, Totals>;
type Range = '1h' | '24h' | '7d' | '30d';
interface Series {
  bucketMs: number;
  series: { name: string; points: ({ bucket: number } & Totals)[] }[];
}
interface Breakdown {
  rows: (Totals & { name: string; label: string | null })[];
  failureGroups?: { group: string; requests: number; attempts: number; classes: string[] }[];
}
interface KeyBreakdown {
  mostRefused: {
    keyId: string;
    masked: string | null;
    answers429: number;
    answers403: number;
    answers400: number;
  }[];
}
interface Pool {
  at: string;
  counts: Record<'total' | 'active' | 'resting' | 'disabled' | 'refused', number>;
  resting: { model: string; keys: number; reasons: Record<string, number>; nextBackAt: string }[];
  switchedOff: Record<string, number>;
}

const periods: readonly Period[] = ['minute', 'hour', 'day', 'month'];
const ranges: readonly Range[] = ['1h', '24h', '7d', '30d'];
const rangeMs: Record<Range, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};
const refreshMs = 30_000;

function SummaryCards({ summary, locale, text }: { summary: Summary; locale: string; text: Messages }) {
  const t = text.dashboard;
  return (
    <div class="grid">
      {periods.map((period) => {
        const totals = summary[period];
        const rate = totals.successRate;
        return (
          <section class="card" key={period} aria-labelledby={`period-${period}`}>
            <h2 id={`period-${period}`}>{t.periods[period]}</h2>
            <div class="metric">{formatCount(totals.requests, locale)}</div>
            <div class="muted">{t.requests}</div>
            <dl class="facts">
              <dt>{t.successRate}</dt>
              <dd class={rate === null ? '' : rate >= 0.95 ? 'good' : rate >= 0.8 ? 'warn' : 'bad'}>
                {formatPercent(rate, locale)}
              </dd>
              <dt>{t.failures}</dt>
              <dd>{formatCount(totals.failures, locale)}</dd>
              <dt>{t.attempts}</dt>
              <dd>{formatCount(totals.attempts, locale)}</dd>
              <dt>{t.tokens}</dt>
              <dd
                title={t.tokensDetail(
                  formatCount(totals.tokens.input, locale),
                  formatCount(totals.tokens.output, locale),
                )}
              >
                {formatCount(totals.tokens.total, locale)}
              </dd>
            </dl>
          </section>
        );
      })}
    </div>
  );
}

function LatencyTable({ summary, text }: { summary: Summary; text: Messages }) {
  const t = text.dashboard;
  return (
    <section class="card" aria-labelledby="latency-title">
      <h2 id="latency-title">{t.latencyTitle}</h2>
      <Table
        flat
        caption={t.latencyTitle}
        rows={periods}
        rowKey={(period) => period}
        columns={[
          { head: t.period, rowHeader: true, cell: (period) => t.periods[period] },
          { head: t.mean, numeric: true, cell: (period) => formatMs(summary[period].latencyMs.mean) },
          { head: 'p50', numeric: true, cell: (period) => formatMs(summary[period].latencyMs.p50) },
          { head: 'p95', numeric: true, cell: (period) => formatMs(summary[period].latencyMs.p95) },
          { head: 'p99', numeric: true, cell: (period) => formatMs(summary[period].latencyMs.p99) },
        ]}
      />
    </section>
  );
}

function Trend({ range, series, text }: { range: Range; series: Series; text: Messages }) {
  const t = text.dashboard;
  const now = Date.now();
  const chart = useMemo(() => {
    const points = series.series.find((line) => line.name === 'all')?.points ?? [];
    return fillBuckets(points, series.bucketMs, now - rangeMs[range], now, ['requests', 'failures']);
    // Laid out anew with each answer, not with each render (`now` moves on every render).
  }, [series, range]);
  const lines = useMemo(
    () => [
      { label: t.requests, values: chart.values.requests ?? [] },
      { label: t.failures, values: chart.values.failures ?? [], color: '#e4572e' },
    ],
    [chart, t],
  );
  return <LineChart label={t.trendChart(t.ranges[range])} times={chart.times} series={lines} />;
}

function PoolHealth({ pool, locale, text }: { pool: Pool; locale: string; text: Messages }) {
  const t = text.dashboard;
  const states = ['active', 'resting', 'refused', 'disabled'] as const;
  const now = Date.parse(pool.at);
  return (
    <section class="card" aria-labelledby="pool-title">
      <h2 id="pool-title">{t.pool}</h2>
      <ul class="pool-counts">
        <li>
          <span class="metric">{formatCount(pool.counts.total, locale)}</span>{' '}
          <span class="muted">{t.states.total}</span>
        </li>
        {states.map((state) => (
          <li key={state}>
            <Link href={`/keys?state=${state}`}>
              <span class={`metric state-${state}`}>{formatCount(pool.counts[state], locale)}</span>{' '}
              {t.states[state]}
            </Link>
          </li>
        ))}
      </ul>
      <h3>{t.restingByModel}</h3>
      {pool.resting.length === 0 ? (
        <p class="muted">{t.noneResting}</p>
      ) : (
        <Table
          flat
          caption={t.restingByModel}
          rows={pool.resting}
          rowKey={(rest) => rest.model}
          columns={[
            {
              head: t.model,
              cellClass: () => 'mono',
              cell: (rest) => (
                <Link href={withQuery('/keys', { state: 'resting', model: rest.model })}>{rest.model}</Link>
              ),
            },
            { head: t.keys, numeric: true, cell: (rest) => formatCount(rest.keys, locale) },
            {
              head: t.reasons,
              cell: (rest) =>
                Object.entries(rest.reasons)
                  .map(
                    ([reason, count]) =>
                      `${(t.restReasons as Record<string, string>)[reason] ?? reason} ×${count}`,
                  )
                  .join(', '),
            },
            { head: t.backAt, cell: (rest) => formatTimeLeft(rest.nextBackAt, now) },
          ]}
        />
      )}
      {Object.keys(pool.switchedOff).length > 0 && (
        <p>
          {t.switchedOff}:{' '}
          {Object.entries(pool.switchedOff)
            .map(
              ([reason, count]) => `${(t.offReasons as Record<string, string>)[reason] ?? reason} ×${count}`,
            )
            .join(', ')}
        </p>
      )}
    </section>
  );
}

function Usage({
  title,
  id,
  head,
  breakdown,
  locale,
  text,
  link,
}: {
  title: string;
  id: string;
  head: string;
  breakdown: Breakdown | undefined;
  locale: string;
  text: Messages;
  link: (name: string) => string;
}) {
  const t = text.dashboard;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {!breakdown ? (
        <Status />
      ) : breakdown.rows.length === 0 ? (
        <p class="muted">{t.noData}</p>
      ) : (
        <Table
          flat
          caption={title}
          rows={breakdown.rows}
          rowKey={(row) => row.name}
          columns={[
            {
              head,
              cellClass: () => 'mono',
              cell: (row) => <Link href={link(row.name)}>{row.label ?? row.name}</Link>,
            },
            { head: t.requests, numeric: true, cell: (row) => formatCount(row.requests, locale) },
            { head: t.successRate, numeric: true, cell: (row) => formatPercent(row.successRate, locale) },
            { head: t.tokens, numeric: true, cell: (row) => formatCount(row.tokens.total, locale) },
            { head: 'p95', numeric: true, cell: (row) => formatMs(row.latencyMs.p95) },
          ]}
        />
      )}
    </section>
  );
}

export function DashboardPage() {
  const { text, language } = useLanguage();
  const t = text.dashboard;
  const [range, setRange] = useState<Range>('24h');
  const summary = useApi<Summary>('/api/stats/summary', refreshMs);
  const pool = useApi<Pool>('/api/pool', refreshMs);
  const series = useApi<Series>(withQuery('/api/stats/series', { range }), refreshMs);
  const byModel = useApi<Breakdown>(withQuery('/api/stats/breakdown', { range, by: 'model' }), refreshMs);
  const byClient = useApi<Breakdown>(withQuery('/api/stats/breakdown', { range, by: 'client' }), refreshMs);
  const outcomes = useApi<Breakdown>(withQuery('/api/stats/breakdown', { range, by: 'outcome' }), refreshMs);
  const keys = useApi<KeyBreakdown>(
    withQuery('/api/stats/breakdown', { range, by: 'key', limit: 1 }),
    refreshMs,
  );
  // Log searches from the dashboard cover the range it shows.
  const from = useMemo(() => new Date(Date.now() - rangeMs[range]).toISOString(), [range, outcomes.data]);
  const logs = (filter: Record<string, string>) => withQuery('/logs', { view: 'requests', from, ...filter });

  return (
    <div class="dashboard">
      <div class="page-head">
        <h1>{t.title}</h1>
        <p class="muted">{t.autoRefresh}</p>
      </div>
      {summary.data ? (
        <SummaryCards summary={summary.data} locale={language} text={text} />
      ) : (
        <Status error={summary.error} onRetry={summary.reload} />
      )}
      <section class="card trend" aria-labelledby="trend-title">
        <div class="section-head">
          <h2 id="trend-title">{t.trend}</h2>
          <fieldset class="segmented">
            <legend class="visually-hidden">{t.range}</legend>
            {ranges.map((name) => (
              <label key={name} class={name === range ? 'chosen' : ''}>
                <input
                  type="radio"
                  name="range"
                  value={name}
                  checked={name === range}
                  onChange={() => setRange(name)}
                />
                {t.ranges[name]}
              </label>
            ))}
          </fieldset>
        </div>
        {series.data ? (
          <Trend range={range} series={series.data} text={text} />
        ) : (
          <Status error={series.error} onRetry={series.reload} />
        )}
      </section>
      <div class="grid-wide">
        {pool.data ? (
          <PoolHealth pool={pool.data} locale={language} text={text} />
        ) : (
          <Status error={pool.error} onRetry={pool.reload} />
        )}
        {summary.data && <LatencyTable summary={summary.data} text={text} />}
      </div>
      <div class="grid-wide">
        <section class="card" aria-labelledby="failures-title">
          <h2 id="failures-title">{t.failuresTitle}</h2>
          {!outcomes.data ? (
            <Status error={outcomes.error} onRetry={outcomes.reload} />
          ) : (outcomes.data.failureGroups ?? []).length === 0 ? (
            <p class="muted">{t.noFailures}</p>
          ) : (
            <Table
              flat
              caption={t.failuresTitle}
              rows={outcomes.data.failureGroups ?? []}
              rowKey={(group) => group.group}
              columns={[
                {
                  head: t.group,
                  rowHeader: true,
                  cell: (group) => (t.groups as Record<string, string>)[group.group] ?? group.group,
                },
                { head: t.requests, numeric: true, cell: (group) => formatCount(group.requests, language) },
                { head: t.attempts, numeric: true, cell: (group) => formatCount(group.attempts, language) },
                {
                  head: t.classes,
                  cell: (group) =>
                    group.classes.map((name, index) => (
                      <span key={name}>
                        {index > 0 && ', '}
                        <Link href={logs({ outcome: name })} label={t.openLogs(name)}>
                          <span class="mono">{name}</span>
                        </Link>
                      </span>
                    )),
                },
              ]}
            />
          )}
        </section>
        <section class="card" aria-labelledby="attention-title">
          <h2 id="attention-title">{t.attention}</h2>
          {!keys.data ? (
            <Status error={keys.error} onRetry={keys.reload} />
          ) : keys.data.mostRefused.length === 0 ? (
            <p class="muted">{t.noRefusals}</p>
          ) : (
            <Table
              flat
              caption={t.attention}
              rows={keys.data.mostRefused}
              rowKey={(key) => key.keyId}
              columns={[
                {
                  head: t.key,
                  cellClass: () => 'mono',
                  cell: (key) => <Link href={logs({ key: key.keyId })}>{key.masked ?? key.keyId}</Link>,
                },
                { head: t.answers429, numeric: true, cell: (key) => formatCount(key.answers429, language) },
                { head: t.answers403, numeric: true, cell: (key) => formatCount(key.answers403, language) },
                { head: t.answers400, numeric: true, cell: (key) => formatCount(key.answers400, language) },
              ]}
            />
          )}
        </section>
      </div>
      <div class="grid-wide">
        <Usage
          title={t.byModel}
          id="by-model"
          head={t.model}
          breakdown={byModel.data}
          locale={language}
          text={text}
          link={(name) => logs({ model: name })}
        />
        <Usage
          title={t.byClient}
          id="by-client"
          head={t.client}
          breakdown={byClient.data}
          locale={language}
          text={text}
          link={(name) => logs({ client: name })}
        />
      </div>
    </div>
  );
}
