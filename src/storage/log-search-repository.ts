import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, ErrorLogTable, RequestLogTable } from './database-schema.js';
import { deleteLogRows, type LogTable } from './delete-old-log-rows.js';
import {
  afterCursor,
  encodeLogCursor,
  type LogCursor,
  type LogFilter,
  logFilterCondition,
  parseLogCursor,
} from './log-filter.js';

export type RequestLogRow = Selectable<RequestLogTable>;
export type ErrorLogRow = Selectable<ErrorLogTable>;
type RowOf<Table extends LogTable> = Table extends 'request_log' ? RequestLogRow : ErrorLogRow;

export interface LogPage<Row> {
  /** At most the limit; fewer, even none, when the page read as many rows as it may. */
  readonly rows: Row[];
  /** Where the next page starts; absent on the last page. */
  readonly nextCursor?: string;
  /** When a page stopped short: the time the search has read through so far. */
  readonly scannedTo?: number;
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

/**
 * Rows a page reads at most when no index narrows the search to a key: a filter that
 * matches nothing (a text no row holds) would otherwise read the whole log for one empty page.
 */
const defaultMaxScannedRows = 20_000;
/** An id no row reaches, for a cursor that stands after every row of a time (15 digits, as parsed). */
const pastEveryId = 999_999_999_999_999;

export function createLogSearchRepository(
  db: Kysely<DatabaseSchema>,
  { maxScannedRows = defaultMaxScannedRows }: { readonly maxScannedRows?: number } = {},
): LogSearchRepository {
  /**
   * The time `maxScannedRows` rows along the time index from where the page starts (within the
   * filter's time range), read from the index alone; undefined when fewer rows are left.
   */
  async function windowEdge(
    table: LogTable,
    filter: LogFilter,
    cursor: LogCursor | undefined,
    descending: boolean,
  ) {
    let query = db
      .selectFrom(table)
      .select('created_at')
      .orderBy('created_at', descending ? 'desc' : 'asc')
      .offset(maxScannedRows)
      .limit(1);
    if (filter.fromMs !== undefined) query = query.where('created_at', '>=', filter.fromMs);
    if (filter.toMs !== undefined) query = query.where('created_at', '<', filter.toMs);
    if (cursor) query = query.where('created_at', descending ? '<=' : '>=', cursor.createdAt);
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : Number(row.created_at);
  }

  async function search<Table extends LogTable>(
    table: Table,
    { filter, cursor, limit, descending }: LogSearchOptions,
  ): Promise<LogPage<RowOf<Table>>> {
    const direction = descending ? 'desc' : 'asc';
    let query = db
      .selectFrom(table as LogTable)
      .selectAll()
      .orderBy('created_at', direction)
      .orderBy('id', direction)
      .limit(limit + 1);
    const condition = logFilterCondition(table, filter);
    if (condition) query = query.where(condition);
    if (cursor) query = query.where(afterCursor(cursor, descending));
    const edge = filter.keyId === undefined ? await windowEdge(table, filter, cursor, descending) : undefined;
    if (edge !== undefined) query = query.where('created_at', descending ? '>=' : '<=', edge);
    const found = (await query.execute()) as RowOf<Table>[];
    const rows = found.slice(0, limit);
    const last = rows[rows.length - 1];
    if (found.length > limit && last)
      return {
        rows,
        nextCursor: encodeLogCursor({ createdAt: Number(last.created_at), id: Number(last.id) }),
      };
    // A short page of a window: the search goes on past the window's edge, every row of its time read.
    if (edge !== undefined)
      return {
        rows,
        nextCursor: encodeLogCursor({ createdAt: edge, id: descending ? 0 : pastEveryId }),
        scannedTo: edge,
      };
    return { rows };
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
        // A page that read its window without a match is empty yet not the end: go on from where
        // the search says it stopped, not from its last row.
        if (!page.nextCursor) return;
        cursor = parseLogCursor(page.nextCursor);
        if (!cursor) return;
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
