import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import { encodeAttemptTrace } from '../core/attempt-trace.js';
import type { ErrorLogEntry, RequestLogEntry } from '../core/log-sink.js';
import { randomId } from '../core/random-id.js';
import type { Database } from './create-database.js';
import { type DatabaseDialect, keyMeasures, statMeasures, tokenColumns } from './database-schema.js';
import { isRowRejection, RejectedRowsError } from './rejected-rows-error.js';
import { clampCount, rollUpRequests } from './roll-up-requests.js';
import { truncateNullable, truncateToColumn } from './truncate-to-column.js';
import type { WriteMark } from './write-in-order.js';

/**
 * Writes log rows, all of a call or none. Fails with `RejectedRowsError` when the database refused
 * the rows themselves, with the driver's own error when it could not be reached. A `mark` names the
 * write; a retried write whose first try landed after all is not written twice.
 */
export interface LogRepository {
  insertRequests(entries: readonly RequestLogEntry[], mark?: WriteMark): Promise<void>;
  insertErrors(entries: readonly ErrorLogEntry[], mark?: WriteMark): Promise<void>;
}

// Every request writes a row, so this is the one statement on a hot path, written as plain SQL:
// through Kysely's query builder the same INSERT cost about 5 µs of CPU per row, a measurable share
// of the gateway's per-request budget. SQLite runs in-process, so there one prepared single-row
// statement is reused inside a transaction; the servers get multi-row statements.
const rowsPerStatement = 500;
// Text per statement, in UTF-16 units: MySQL refuses a statement over max_allowed_packet (16 MiB by
// default), and a unit may take 3 bytes, doubled again where escaping applies.
const charsPerStatement = 1_000_000;

// Column sizes from migrate-to-latest.ts. Text comes from clients (model names, routes) and from
// Google (messages): a value too long for its column would make the database refuse the whole batch.
const columnChars = {
  route: 255,
  model: 255,
  keyId: 16,
  errorType: 64,
  // Unbounded columns, bounded here: a hostile upstream's message must not fill memory and packets.
  message: 65_536,
  // The relay keeps 256 KiB of a body, plus a note.
  requestBody: 300_000,
  clientId: 16,
  errorClass: 64,
  instance: 64,
  // A request makes a few dozen attempts at most; a cut trace loses only its last, damaged part.
  trace: 8_000,
} as const;

const requestColumns = [
  'created_at',
  'route',
  'model',
  'key_id',
  'status',
  'success',
  'latency_ms',
  'attempts',
  'stream',
  ...tokenColumns,
  'write_id',
  'client_id',
  'error_class',
  'request_ref',
  'instance',
  'attempt_trace',
] as const;
const errorColumns = [
  'created_at',
  'route',
  'model',
  'key_id',
  'status',
  'error_type',
  'message',
  'request_body',
  'write_id',
  'client_id',
  'request_ref',
  'instance',
] as const;

const statKeyColumns = ['span', 'bucket', 'model', 'route', 'client_id', 'outcome'] as const;
const keyKeyColumns = ['span', 'bucket', 'key_id', 'model'] as const;

type Cell = string | number | null;

/** A token count as its column takes it; null when the answer counted none. */
function tokenCell(count: number | undefined): number | null {
  return count === undefined || Number.isNaN(count) ? null : clampCount(count);
}

/** A multi-row VALUES list with its parameters, in the dialect's placeholders. */
function valuesOf(dialect: DatabaseDialect, rows: readonly Cell[][]): { sql: string; parameters: Cell[] } {
  const parameters: Cell[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const placeholders: string[] = [];
    for (const cell of row) {
      parameters.push(cell);
      placeholders.push(dialect === 'postgres' ? `$${parameters.length}` : '?');
    }
    tuples.push(`(${placeholders.join(',')})`);
  }
  return { sql: tuples.join(','), parameters };
}

function insertStatement(
  dialect: DatabaseDialect,
  table: string,
  columns: readonly string[],
  rows: readonly Cell[][],
): CompiledQuery {
  const values = valuesOf(dialect, rows);
  return CompiledQuery.raw(
    `insert into ${table} (${columns.join(',')}) values ${values.sql}`,
    values.parameters,
  );
}

/** Rows whose measures are added to the stored row with the same key, or inserted as they are. */
interface Upsert {
  readonly table: string;
  readonly keyColumns: readonly string[];
  readonly measureColumns: readonly string[];
  readonly rows: Cell[][];
}

/** Inserts rows, and applies the upserts in the same transaction. */
type Insert = (
  table: string,
  columns: readonly string[],
  rows: Cell[][],
  upserts: readonly Upsert[],
) => Promise<void>;

function upsertSql(dialect: DatabaseDialect, upsert: Upsert, values: string): string {
  const { table, keyColumns, measureColumns } = upsert;
  const columns = [...keyColumns, ...measureColumns].join(',');
  const head = `insert into ${table} (${columns}) values ${values}`;
  if (dialect === 'mysql')
    return `${head} on duplicate key update ${measureColumns.map((name) => `${name} = ${name} + values(${name})`).join(',')}`;
  const existing = dialect === 'postgres' ? `${table}.` : '';
  return `${head} on conflict (${keyColumns.join(',')}) do update set ${measureColumns
    .map((name) => `${name} = ${existing}${name} + excluded.${name}`)
    .join(',')}`;
}

function upsertStatement(dialect: DatabaseDialect, upsert: Upsert, rows: readonly Cell[][]): CompiledQuery {
  const values = valuesOf(dialect, rows);
  return CompiledQuery.raw(upsertSql(dialect, upsert, values.sql), values.parameters);
}

function textLength(row: readonly Cell[]): number {
  let length = 0;
  for (const cell of row) if (typeof cell === 'string') length += cell.length;
  return length;
}

/** Rows in statements of at most `rowsPerStatement` rows and about `charsPerStatement` of text. */
function splitStatements(rows: readonly Cell[][]): Cell[][][] {
  const statements: Cell[][][] = [];
  let current: Cell[][] = [];
  let chars = 0;
  for (const row of rows) {
    const length = textLength(row);
    if (current.length > 0 && (current.length === rowsPerStatement || chars + length > charsPerStatement)) {
      statements.push(current);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += length;
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

function createServerInsert(database: Database): Insert {
  return async (table, columns, rows, upserts) => {
    const statements = splitStatements(rows).map((slice) =>
      insertStatement(database.dialect, table, columns, slice),
    );
    for (const upsert of upserts)
      for (const slice of splitStatements(upsert.rows))
        statements.push(upsertStatement(database.dialect, upsert, slice));
    const [only] = statements;
    if (statements.length === 1 && only) {
      await database.db.executeQuery(only);
      return;
    }
    // Several statements in one transaction, so a batch that fails half-way can be written again
    // whole without duplicating its first half.
    await database.db.transaction().execute(async (transaction) => {
      for (const statement of statements) await transaction.executeQuery(statement);
    });
  };
}

function createSqliteInsert(sqlite: SqliteDatabase.Database): Insert {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepared = (table: string, sql: () => string) => {
    let statement = statements.get(table);
    if (!statement) {
      statement = sqlite.prepare(sql());
      statements.set(table, statement);
    }
    return statement;
  };
  const placeholders = (count: number) => `(${new Array(count).fill('?').join(',')})`;
  const insertAll = sqlite.transaction(
    (insert: SqliteDatabase.Statement, rows: Cell[][], upserts: readonly Upsert[]) => {
      for (const row of rows) insert.run(row);
      for (const upsert of upserts) {
        const statement = prepared(upsert.table, () =>
          upsertSql('sqlite', upsert, placeholders(upsert.keyColumns.length + upsert.measureColumns.length)),
        );
        for (const row of upsert.rows) statement.run(row);
      }
    },
  );
  return async (table, columns, rows, upserts) => {
    const insert = prepared(
      table,
      () => `insert into ${table} (${columns.join(',')}) values ${placeholders(columns.length)}`,
    );
    insertAll(insert, rows, upserts);
  };
}

type LogTable = 'request_log' | 'error_log';
type MarkedInsert = (
  table: LogTable,
  columns: readonly string[],
  rows: Cell[][],
  upserts: readonly Upsert[],
  mark?: WriteMark,
) => Promise<void>;

/**
 * Skips a retried write that landed after all, and marks the database's refusal of the rows
 * themselves, which the log writer handles apart.
 */
function guarded(database: Database, insert: Insert): MarkedInsert {
  return async (table, columns, rows, upserts, mark) => {
    try {
      const first = rows[0];
      if (mark?.retried && first && (await landed(database, table, first[0] as number, mark.id))) return;
      await insert(table, columns, rows, upserts);
    } catch (error) {
      if (isRowRejection(error)) throw new RejectedRowsError((error as Error).message, { cause: error });
      throw error;
    }
  };
}

/** Whether the write `id`, whose first row was created at `createdAt`, is in the table. */
async function landed(database: Database, table: LogTable, createdAt: number, id: string): Promise<boolean> {
  const row = await database.db
    .selectFrom(table)
    .select('id')
    .where('created_at', '=', createdAt)
    .where('write_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The write's id goes on its first row only: the write is atomic, so that row stands for all. */
const markOf = (index: number, mark: WriteMark | undefined) => (index === 0 ? (mark?.id ?? null) : null);

/** The rollups' additions for a batch of requests, as upserts (storage/roll-up-requests.ts). */
function rollupUpserts(entries: readonly RequestLogEntry[]): Upsert[] {
  const { stats, keys } = rollUpRequests(entries);
  return [
    {
      table: 'stat_rollup',
      keyColumns: statKeyColumns,
      measureColumns: statMeasures,
      rows: stats.map((delta) => [
        delta.span,
        delta.bucket,
        delta.model,
        delta.route,
        delta.clientId,
        delta.outcome,
        delta.requests,
        delta.attempts,
        delta.inputTokens,
        delta.outputTokens,
        delta.thoughtTokens,
        delta.cachedTokens,
        delta.latencyMsSum,
        ...delta.latency,
      ]),
    },
    {
      table: 'key_rollup',
      keyColumns: keyKeyColumns,
      measureColumns: keyMeasures,
      rows: keys.map((delta) => [
        delta.span,
        delta.bucket,
        delta.keyId,
        delta.model,
        delta.requests,
        delta.attempts,
        delta.failedAttempts,
        delta.answers400,
        delta.answers403,
        delta.answers429,
        delta.answers5xx,
        delta.inputTokens,
        delta.outputTokens,
      ]),
    },
  ].filter((upsert) => upsert.rows.length > 0);
}

export interface LogRepositoryOptions {
  /** This gateway instance's name, on every row it writes. */
  readonly instance?: string;
}

export function createLogRepository(database: Database, options: LogRepositoryOptions = {}): LogRepository {
  const insert = guarded(
    database,
    database.sqlite ? createSqliteInsert(database.sqlite) : createServerInsert(database),
  );
  const instance =
    options.instance === undefined ? null : truncateToColumn(options.instance, columnChars.instance);
  // A request's reference: this repository's own prefix (one per process) and the request's number.
  const prefix = randomId(6);
  const refOf = (seq: number | undefined) => (seq === undefined ? null : `${prefix}${seq.toString(36)}`);
  return {
    insertRequests: (entries, mark) =>
      insert(
        'request_log',
        requestColumns,
        entries.map((entry, index) => [
          entry.createdAt,
          truncateToColumn(entry.route, columnChars.route),
          truncateNullable(entry.model, columnChars.model),
          truncateNullable(entry.keyId, columnChars.keyId),
          entry.status,
          entry.success ? 1 : 0,
          Math.round(entry.latencyMs),
          entry.attempts,
          entry.stream ? 1 : 0,
          tokenCell(entry.tokens?.input),
          tokenCell(entry.tokens?.output),
          tokenCell(entry.tokens?.thoughts),
          tokenCell(entry.tokens?.cached),
          markOf(index, mark),
          truncateNullable(entry.clientId ?? null, columnChars.clientId),
          truncateNullable(entry.errorClass ?? null, columnChars.errorClass),
          refOf(entry.requestSeq),
          instance,
          entry.trace && entry.trace.length > 0
            ? truncateToColumn(encodeAttemptTrace(entry.trace), columnChars.trace)
            : null,
        ]),
        rollupUpserts(entries),
        mark,
      ),
    insertErrors: (entries, mark) =>
      insert(
        'error_log',
        errorColumns,
        entries.map((entry, index) => [
          entry.createdAt,
          truncateToColumn(entry.route, columnChars.route),
          truncateNullable(entry.model, columnChars.model),
          truncateNullable(entry.keyId, columnChars.keyId),
          entry.status,
          truncateToColumn(entry.errorType, columnChars.errorType),
          truncateToColumn(entry.message, columnChars.message),
          truncateNullable(entry.requestBody, columnChars.requestBody),
          markOf(index, mark),
          truncateNullable(entry.clientId ?? null, columnChars.clientId),
          refOf(entry.requestSeq),
          instance,
        ]),
        [],
        mark,
      ),
  };
}
