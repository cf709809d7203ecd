import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import type { ErrorLogEntry, RequestLogEntry } from '../core/log-sink.js';
import type { Database } from './create-database.js';
import { type DatabaseDialect, tokenColumns } from './database-schema.js';
import { isRowRejection, RejectedRowsError } from './rejected-rows-error.js';
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
] as const;

type Cell = string | number | null;

const maxInteger = 2_147_483_647;

/**
 * A token count as its integer column takes it. The counts are Google's (or a hostile upstream's)
 * numbers: a fraction, a negative or a count past 2^31 would make PostgreSQL refuse the row.
 */
function tokenCell(count: number | undefined): number | null {
  if (count === undefined || Number.isNaN(count)) return null;
  return Math.min(Math.max(Math.round(count), 0), maxInteger);
}

function insertStatement(
  dialect: DatabaseDialect,
  table: string,
  columns: readonly string[],
  rows: readonly Cell[][],
): CompiledQuery {
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
  return CompiledQuery.raw(
    `insert into ${table} (${columns.join(',')}) values ${tuples.join(',')}`,
    parameters,
  );
}

type Insert = (table: string, columns: readonly string[], rows: Cell[][]) => Promise<void>;

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
  return async (table, columns, rows) => {
    const statements = splitStatements(rows).map((slice) =>
      insertStatement(database.dialect, table, columns, slice),
    );
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
  const insertAll = sqlite.transaction((statement: SqliteDatabase.Statement, rows: Cell[][]) => {
    for (const row of rows) statement.run(row);
  });
  return async (table, columns, rows) => {
    let statement = statements.get(table);
    if (!statement) {
      statement = sqlite.prepare(
        `insert into ${table} (${columns.join(',')}) values (${columns.map(() => '?').join(',')})`,
      );
      statements.set(table, statement);
    }
    insertAll(statement, rows);
  };
}

type LogTable = 'request_log' | 'error_log';
type MarkedInsert = (
  table: LogTable,
  columns: readonly string[],
  rows: Cell[][],
  mark?: WriteMark,
) => Promise<void>;

/**
 * Skips a retried write that landed after all, and marks the database's refusal of the rows
 * themselves, which the log writer handles apart.
 */
function guarded(database: Database, insert: Insert): MarkedInsert {
  return async (table, columns, rows, mark) => {
    try {
      const first = rows[0];
      if (mark?.retried && first && (await landed(database, table, first[0] as number, mark.id))) return;
      await insert(table, columns, rows);
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

export function createLogRepository(database: Database): LogRepository {
  const insert = guarded(
    database,
    database.sqlite ? createSqliteInsert(database.sqlite) : createServerInsert(database),
  );
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
        ]),
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
        ]),
        mark,
      ),
  };
}
