import type { Kysely } from 'kysely';
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

/**
 * Deletes a log table's rows created before `beforeMs`, oldest first, a chunk of ids at a time
 * (one short statement each, on every dialect: MySQL cannot LIMIT a subquery of DELETE). Returns how
 * many were deleted.
 */
export async function deleteOldLogRows(
  db: Kysely<DatabaseSchema>,
  table: LogTable,
  { beforeMs, chunkRows = 1000, pause = nextTurn }: DeleteOldLogRowsOptions,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db
      .selectFrom(table)
      .select('id')
      .where('created_at', '<', beforeMs)
      .orderBy('id')
      .limit(chunkRows)
      .execute();
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
