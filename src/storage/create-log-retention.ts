import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { DatabaseSchema } from './database-schema.js';
import { deleteOldLogRows, type LogTable } from './delete-old-log-rows.js';

/** The retention settings in force (AUTO_DELETE_*), read at each run so a change applies to the next. */
export interface RetentionSettings {
  readonly AUTO_DELETE_ERROR_LOGS_ENABLED: boolean;
  readonly AUTO_DELETE_ERROR_LOGS_DAYS: number;
  readonly AUTO_DELETE_REQUEST_LOGS_ENABLED: boolean;
  readonly AUTO_DELETE_REQUEST_LOGS_DAYS: number;
}

export interface LogRetentionOptions {
  readonly db: Kysely<DatabaseSchema>;
  readonly clock: Clock;
  readonly settings: () => RetentionSettings;
  /** What a run deleted, or why it failed: the job goes on at its next time either way. */
  readonly onRun: (report: { deleted: Partial<Record<LogTable, number>> } | { error: unknown }) => void;
  /** Work on the statistics a run does too (stats-repository.ts prepareLeaders). */
  readonly prepareStatistics?: (nowMs: number) => Promise<void>;
  /** After start, the first run; then one a day. */
  readonly firstRunMs?: number;
  readonly intervalMs?: number;
}

export interface LogRetention {
  /** One run now: each log whose deletion is on loses its rows older than its days. */
  run(): Promise<Partial<Record<LogTable, number>>>;
  /** Stops the timer and waits for a run in progress. */
  close(): Promise<void>;
}

const dayMs = 86_400_000;
const minuteRollupKeepMs = 2 * dayMs;

/** Which tables lose rows older than when, under `settings` at `nowMs`. */
export function retentionPlan(settings: RetentionSettings, nowMs: number): [LogTable, number][] {
  const plan: [LogTable, number][] = [];
  if (settings.AUTO_DELETE_ERROR_LOGS_ENABLED)
    plan.push(['error_log', nowMs - settings.AUTO_DELETE_ERROR_LOGS_DAYS * dayMs]);
  if (settings.AUTO_DELETE_REQUEST_LOGS_ENABLED)
    plan.push(['request_log', nowMs - settings.AUTO_DELETE_REQUEST_LOGS_DAYS * dayMs]);
  return plan;
}

/**
 * The daily deletion of old log rows (the seed's AUTO_DELETE_* settings): a first run soon after
 * start, so an instance restarted more often than daily still prunes, then one a day.
 */
export function createLogRetention(options: LogRetentionOptions): LogRetention {
  let running: Promise<unknown> | undefined;
  let closed = false;

  async function run(): Promise<Partial<Record<LogTable, number>>> {
    const deleted: Partial<Record<LogTable, number>> = {};
    for (const [table, beforeMs] of retentionPlan(options.settings(), options.clock.now())) {
      if (closed) break;
      deleted[table] = await deleteOldLogRows(options.db, table, { beforeMs });
    }
    // Minute rollups serve only the last hour's figures; hours and days stay, whatever the logs keep.
    await options.db
      .deleteFrom('stat_rollup')
      .where('span', '=', 'minute')
      .where('bucket', '<', options.clock.now() - minuteRollupKeepMs)
      .execute();
    await options.prepareStatistics?.(options.clock.now());
    return deleted;
  }

  const scheduled = () => {
    if (closed || running) return;
    running = run()
      .then((deleted) => options.onRun({ deleted }))
      .catch((error: unknown) => options.onRun({ error }))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(scheduled, options.firstRunMs ?? 60_000);
  const daily = setInterval(scheduled, options.intervalMs ?? dayMs);
  first.unref();
  daily.unref();

  return {
    run,
    async close() {
      closed = true;
      clearTimeout(first);
      clearInterval(daily);
      await running;
    },
  };
}
