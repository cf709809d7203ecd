import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, ErrorLogTable, RequestLogTable } from './database-schema.js';
import { deleteLogRows, type LogTable } from './delete-old-log-rows.js';
import {
  afterCursor,
  encodeLogCursor,
  type LogCursor,
  type LogFilter,
  logFilterCondition,
} from './log-filter.js';

export type RequestLogRow = Selectable<RequestLogTable>;
export type ErrorLogRow = Selectable<ErrorLogTable>;
type RowOf<Table extends LogTable> = Table extends 'request_log' ? RequestLogRow : ErrorLogRow;

export interface LogPage<Row> {
  readonly rows: Row[];
  /** Where the next page starts; absent on the last page. */
  readonly nextCursor?: string;
}

export interface LogSearchOptions {
  readonly filter: LogFilter;
  readonly cursor?: LogCursor;
  readonly limit: number;
  readonly descending: boolean;
}

/** What one call deletes: rows by id, the rows a filter matches, or every row. */
export type LogDeletion =
  | { readonly ids: readonly number[] }
  | { readonly filter: LogFilter }
  | { readonly all: true };

/**
 * The log viewer's reads and deletions. Searches are keyset-paginated on (created_at, id), never by
 * OFFSET, so a page costs the same at the millionth row as at the first, and rows written meanwhile
 * do not shift the pages.
 */
export interface LogSearchRepository {
  search<Table extends LogTable>(table: Table, options: LogSearchOptions): Promise<LogPage<RowOf<Table>>>;
  /** Every matching row, a page at a time, for an export. */
  scan<Table extends LogTable>(
    table: Table,
    filter: LogFilter,
    pageRows?: number,
  ): AsyncGenerator<RowOf<Table>[], void, void>;
  requestById(id: number): Promise<RequestLogRow | undefined>;
  errorById(id: number): Promise<ErrorLogRow | undefined>;
  /** The error-log rows of one request, oldest first. */
  errorsOfRequest(requestRef: string): Promise<ErrorLogRow[]>;
  delete(table: LogTable, deletion: LogDeletion): Promise<number>;
}

/** Rows an error detail lists for a request at most: a request makes a few dozen attempts. */
const maxErrorsPerRequest = 100;

export function createLogSearchRepository(db: Kysely<DatabaseSchema>): LogSearchRepository {
  async function search<Table extends LogTable>(
    table: Table,
    { filter, cursor, limit, descending }: LogSearchOptions,
  ): Promise<LogPage<RowOf<Table>>> {
    const direction = descending ? 'desc' : 'asc';
    let query = (db as Kysely<DatabaseSchema>)
      .selectFrom(table as LogTable)
      .selectAll()
      .orderBy('created_at', direction)
      .orderBy('id', direction)
      .limit(limit + 1);
    const condition = logFilterCondition(table, filter);
    if (condition) query = query.where(condition);
    if (cursor) query = query.where(afterCursor(cursor, descending));
    const found = (await query.execute()) as RowOf<Table>[];
    const rows = found.slice(0, limit);
    const last = rows[rows.length - 1];
    return found.length > limit && last
      ? { rows, nextCursor: encodeLogCursor({ createdAt: Number(last.created_at), id: Number(last.id) }) }
      : { rows };
  }

  return {
    search,
    async *scan(table, filter, pageRows = 1000) {
      let cursor: LogCursor | undefined;
      for (;;) {
        const page = await search(table, {
          filter,
          limit: pageRows,
          descending: false,
          ...(cursor ? { cursor } : {}),
        });
        if (page.rows.length > 0) yield page.rows;
        const last = page.rows[page.rows.length - 1];
        if (!page.nextCursor || !last) return;
        cursor = { createdAt: Number(last.created_at), id: Number(last.id) };
      }
    },
    requestById: (id) => db.selectFrom('request_log').selectAll().where('id', '=', id).executeTakeFirst(),
    errorById: (id) => db.selectFrom('error_log').selectAll().where('id', '=', id).executeTakeFirst(),
    errorsOfRequest: (requestRef) =>
      db
        .selectFrom('error_log')
        .selectAll()
        .where('request_ref', '=', requestRef)
        .orderBy('id')
        .limit(maxErrorsPerRequest)
        .execute(),
    async delete(table, deletion) {
      if ('ids' in deletion) {
        if (deletion.ids.length === 0) return 0;
        const result = await db
          .deleteFrom(table)
          .where('id', 'in', [...deletion.ids])
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }
      return deleteLogRows(
        db,
        table,
        'all' in deletion ? undefined : logFilterCondition(table, deletion.filter),
      );
    },
  };
}
