import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';

export type LogTable = 'request_log' | 'error_log';

export interface DeleteOldLogRowsOptions {
  /** Rows created before this go. */
  readonly beforeMs: number;
  /** Rows per statement: each is short, so the log writer's inserts are never held back for long. */
  readonly chunkRows?: number;
  /** Between chunks: by default one turn of the event loop, so requests and the log writer run. */
  readonly pause?: () => Promise<void>;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Deletes a log table's rows created before `beforeMs` (see deleteLogRows). */
export function deleteOldLogRows(
  db: Kysely<DatabaseSchema>,
  table: LogTable,
  { beforeMs, ...options }: DeleteOldLogRowsOptions,
): Promise<number> {
  return deleteLogRows(db, table, sql<SqlBool>`${sql.ref('created_at')} < ${beforeMs}`, options);
}

/**
 * Deletes a log table's rows that meet `condition` (every row when undefined), oldest first, a
 * chunk of ids at a time: one short statement each, on every dialect (MySQL cannot LIMIT a subquery
 * of DELETE), so the log writer's inserts are never locked out for long. Returns how many went.
 */
export async function deleteLogRows(
  db: Kysely<DatabaseSchema>,
  table: LogTable,
  condition: Expression<SqlBool> | undefined,
  { chunkRows = 1000, pause = nextTurn }: Omit<DeleteOldLogRowsOptions, 'beforeMs'> = {},
): Promise<number> {
  let deleted = 0;
  for (;;) {
    let query = db.selectFrom(table).select('id').orderBy('id').limit(chunkRows);
    if (condition) query = query.where(condition);
    const rows = await query.execute();
    if (rows.length === 0) return deleted;
    const result = await db
      .deleteFrom(table)
      .where(
        'id',
        'in',
        rows.map((row) => Number(row.id)),
      )
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
    if (rows.length < chunkRows) return deleted;
    await pause();
  }
}
