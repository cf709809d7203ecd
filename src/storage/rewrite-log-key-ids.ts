import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { DatabaseSchema, KeyIdRewriteTable } from './database-schema.js';
import { movesFor } from './map-legacy-key-ids.js';
import { replaceKeyIds } from './replace-key-ids.js';

export interface LogKeyIdReport {
  readonly requestRows: number;
  readonly errorRows: number;
}

export interface LogKeyIdRewriteOptions {
  /** Log rows per chunk: each chunk is a few short statements, never one long transaction. */
  readonly chunkRows?: number;
  /** This instance walked the last chunk: every log row of a known key now carries its id now. */
  readonly onDone?: (report: LogKeyIdReport) => void;
  /** The walk stopped (the database went away); the next start resumes where it stood. */
  readonly onError?: (error: unknown) => void;
}

export interface LogKeyIdRewrite {
  /** Settles when the walk ended: done, stopped by `close`, or failed (reported to `onError`). */
  readonly ended: Promise<void>;
  /** Stops after the chunk under way. */
  close(): Promise<void>;
}

const tables: readonly KeyIdRewriteTable['log_table'][] = ['request_log', 'error_log'];

/**
 * Rewrites the key ids of the log rows written before ids were 64 bits, from each known key's old
 * id to its id now, in the background: a log may hold millions of rows. Rows are taken in chunks
 * of `chunkRows` by id, up to the last row the migration found (rows written since carry ids of
 * now), and the progress is saved after each chunk, so a restart resumes and instances that walk
 * at once share the work (a chunk done twice changes nothing the second time). Rows of keys no
 * longer configured keep their old ids.
 */
export function rewriteLogKeyIds(
  db: Kysely<DatabaseSchema>,
  legacy: ReadonlyMap<string, string>,
  options: LogKeyIdRewriteOptions = {},
): LogKeyIdRewrite {
  const chunkRows = options.chunkRows ?? 5_000;
  let closed = false;
  const changed = { request_log: 0, error_log: 0 };
  let walked = false;

  /** One chunk; false when the table is done. */
  async function step(table: KeyIdRewriteTable['log_table']): Promise<boolean> {
    const progress = await db
      .selectFrom('key_id_rewrite')
      .select(['done_through', 'last_id'])
      .where('log_table', '=', table)
      .executeTakeFirst();
    if (!progress) return false;
    const after = Number(progress.done_through);
    const lastId = Number(progress.last_id);
    if (after >= lastId) return false;
    const end = await db
      .selectFrom(table)
      .select('id')
      .where('id', '>', after)
      .orderBy('id')
      .limit(1)
      .offset(chunkRows - 1)
      .executeTakeFirst();
    const range = { after, through: Math.min(end === undefined ? lastId : Number(end.id), lastId) };
    const ids = await db
      .selectFrom(table)
      .select('key_id')
      .distinct()
      .where('id', '>', range.after)
      .where('id', '<=', range.through)
      .where('key_id', 'is not', null)
      .execute();
    const moves = movesFor(
      ids.flatMap((row) => (row.key_id === null ? [] : [row.key_id])),
      legacy,
    );
    changed[table] += await replaceKeyIds(db, { table, column: 'key_id' }, moves, range);
    await db
      .updateTable('key_id_rewrite')
      .set({ done_through: range.through })
      .where('log_table', '=', table)
      .where('done_through', '<', range.through)
      .execute();
    walked = true;
    return true;
  }

  async function walk(): Promise<void> {
    try {
      for (const table of tables) {
        while (!closed && (await step(table))) await yieldToRequests();
      }
      if (!closed && walked) {
        options.onDone?.({ requestRows: changed.request_log, errorRows: changed.error_log });
      }
    } catch (error) {
      if (!closed) options.onError?.(error);
    }
  }

  const ended = walk();
  return {
    ended,
    async close() {
      closed = true;
      await ended;
    },
  };
}
