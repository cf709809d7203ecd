import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';

/** A stored key id to rewrite: `from` is the 8-character id of before, `to` the key's id now. */
export interface KeyIdMove {
  readonly from: string;
  readonly to: string;
}

/** The tables that hold key ids, and the column that does. */
export type KeyIdColumn =
  | { readonly table: 'api_key'; readonly column: 'id' }
  | { readonly table: 'key_state' | 'request_log' | 'error_log'; readonly column: 'key_id' };

/** Rows whose `id` is in (after, through]: a bounded slice of a log table. */
export interface IdRange {
  readonly after: number;
  readonly through: number;
}

// Three parameters a move at most: far below every dialect's limit on a statement's parameters.
const movesPerStatement = 500;

/**
 * Rewrites key ids in one statement per 500 moves, each atomic on its own: run again, it finds
 * nothing left to change, so it needs no transaction spanning statements (which on SQLite would
 * take in the log writer's inserts on the same connection). Returns the rows changed.
 */
export async function replaceKeyIds(
  db: Kysely<DatabaseSchema>,
  { table, column }: KeyIdColumn,
  moves: readonly KeyIdMove[],
  range?: IdRange,
): Promise<number> {
  let changed = 0;
  for (let start = 0; start < moves.length; start += movesPerStatement) {
    const slice = moves.slice(start, start + movesPerStatement);
    const target = sql.ref(column);
    const cases = sql.join(
      slice.map((move) => sql`when ${move.from} then ${move.to}`),
      sql` `,
    );
    const inRange = range ? sql` and id > ${range.after} and id <= ${range.through}` : sql``;
    const result = await sql`update ${sql.table(table)} set ${target} = case ${target} ${cases} end
      where ${target} in (${sql.join(slice.map((move) => move.from))})${inRange}`.execute(db);
    changed += Number(result.numAffectedRows ?? 0n);
  }
  return changed;
}
