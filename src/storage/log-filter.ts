import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { LogTable } from './delete-old-log-rows.js';

/** What an operator searches the request or error log for; every part optional, all must hold. */
export interface LogFilter {
  readonly fromMs?: number;
  /** Exclusive. */
  readonly toMs?: number;
  readonly keyId?: string;
  readonly model?: string;
  readonly route?: string;
  /** Inclusive status range (one status, or a class such as 400–499). */
  readonly status?: { readonly from: number; readonly to: number };
  /** An outcome class: `ok` for the requests that succeeded; the error type in the error log. */
  readonly outcome?: string;
  readonly clientId?: string;
  /** Text anywhere in the row's names (and, in the error log, its message); any case. */
  readonly text?: string;
}

/** Where a page of a search starts: after this row, in the search's order. */
export interface LogCursor {
  readonly createdAt: number;
  readonly id: number;
}

// Columns the text filter reads, per log.
const textColumns: Readonly<Record<LogTable, readonly string[]>> = {
  request_log: ['route', 'model', 'key_id', 'error_class', 'instance'],
  error_log: ['route', 'model', 'key_id', 'error_type', 'message'],
};

/** `%` and `_` in the operator's text are literal; `!` escapes them (MySQL reads `\` in literals). */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (match) => `!${match}`)}%`;
}

/** The filter as one SQL condition on `table`, with every value a parameter; undefined for none. */
export function logFilterCondition(table: LogTable, filter: LogFilter): Expression<SqlBool> | undefined {
  const conditions: RawBuilder<unknown>[] = [];
  const column = (name: string) => sql.ref(name);
  if (filter.fromMs !== undefined) conditions.push(sql`${column('created_at')} >= ${filter.fromMs}`);
  if (filter.toMs !== undefined) conditions.push(sql`${column('created_at')} < ${filter.toMs}`);
  if (filter.keyId !== undefined) conditions.push(sql`${column('key_id')} = ${filter.keyId}`);
  if (filter.model !== undefined) conditions.push(sql`${column('model')} = ${filter.model}`);
  if (filter.route !== undefined) conditions.push(sql`${column('route')} = ${filter.route}`);
  if (filter.clientId !== undefined) conditions.push(sql`${column('client_id')} = ${filter.clientId}`);
  if (filter.status !== undefined)
    conditions.push(sql`${column('status')} between ${filter.status.from} and ${filter.status.to}`);
  if (filter.outcome !== undefined) {
    if (table === 'error_log') conditions.push(sql`${column('error_type')} = ${filter.outcome}`);
    else if (filter.outcome === 'ok') conditions.push(sql`${column('error_class')} is null`);
    else conditions.push(sql`${column('error_class')} = ${filter.outcome}`);
  }
  if (filter.text !== undefined && filter.text !== '') {
    const pattern = likePattern(filter.text);
    const any = textColumns[table].map((name) => sql`lower(${column(name)}) like ${pattern} escape '!'`);
    conditions.push(sql`(${sql.join(any, sql` or `)})`);
  }
  if (conditions.length === 0) return undefined;
  return sql<SqlBool>`${sql.join(conditions, sql` and `)}`;
}

/** Rows after the cursor in the order `desc` (newest first) or ascending. */
export function afterCursor(cursor: LogCursor, descending: boolean): Expression<SqlBool> {
  const created = sql.ref('created_at');
  const id = sql.ref('id');
  // The first bound repeats what the second implies: it is what lets a planner (PostgreSQL's) read
  // the time index from the cursor on, where the OR alone had it read from the window's edge.
  return descending
    ? sql<SqlBool>`${created} <= ${cursor.createdAt} and (${created} < ${cursor.createdAt} or (${created} = ${cursor.createdAt} and ${id} < ${cursor.id}))`
    : sql<SqlBool>`${created} >= ${cursor.createdAt} and (${created} > ${cursor.createdAt} or (${created} = ${cursor.createdAt} and ${id} > ${cursor.id}))`;
}

export function encodeLogCursor(cursor: LogCursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.id}`).toString('base64url');
}

/** The cursor a page handed out; undefined for anything else. */
export function parseLogCursor(text: string): LogCursor | undefined {
  if (text.length > 64) return undefined;
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match) return undefined;
  return { createdAt: Number(match[1]), id: Number(match[2]) };
}
