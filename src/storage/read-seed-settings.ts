import { statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import type { SeedRow } from '../config/plan-seed-import.js';

/** Where gemini-balance keeps its settings: its SQLite file, or its MySQL database. */
export type SeedSource =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'mysql';
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
      readonly database: string;
    };

/** Why the seed's settings cannot be read, in one line that names no password. */
export class SeedSourceError extends Error {
  override readonly name = 'SeedSourceError';
}

/** The seed's table of the settings its console saved, over its .env (see app/database/models.py). */
export const seedSettingsTable = 't_settings';

const mysqlSchemes = new Set(['mysql:', 'mariadb:']);

/** A path to an SQLite file, or `mysql://user:password@host:port/database`. */
export function parseSeedSource(argument: string): SeedSource {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(argument)) return { kind: 'sqlite', path: argument };
  let url: URL;
  try {
    url = new URL(argument);
  } catch {
    // Not repeated: it may hold a password.
    throw new SeedSourceError(
      'the source is not a valid URL; expected mysql://user:password@host:port/database',
    );
  }
  if (!mysqlSchemes.has(url.protocol))
    throw new SeedSourceError(
      'only mysql:// URLs are read (or a path to an SQLite file); gemini-balance stores in MySQL or SQLite',
    );
  const expected = 'expected mysql://user:password@host:port/database, with a host and a database';
  let parts: { user: string; password: string; database: string };
  try {
    parts = {
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    };
  } catch {
    throw new SeedSourceError(`${expected}; a %-escape in it is broken`);
  }
  if (url.hostname === '' || parts.database === '' || parts.database.includes('/'))
    throw new SeedSourceError(expected);
  return {
    kind: 'mysql',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 3306 : Number(url.port),
    ...parts,
  };
}

/** The source as the report names it: never the password. */
export function describeSeedSource(source: SeedSource): string {
  if (source.kind === 'sqlite') return `${source.path} (SQLite)`;
  const user = source.user === '' ? '' : `${encodeURIComponent(source.user)}@`;
  return `mysql://${user}${source.host}:${source.port}/${source.database}`;
}

/**
 * A cell as text. SQLite keeps whatever type was written into a column: a hostile or damaged file
 * can hold a number or raw bytes where text belongs; bytes that are not UTF-8 become U+FFFD.
 */
function textOf(cell: unknown): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return cell;
  if (cell instanceof Uint8Array) return new TextDecoder().decode(cell);
  return String(cell);
}

function rowsOf(rows: readonly Record<string, unknown>[]): SeedRow[] {
  return rows.map((row) => ({ name: textOf(row.key) ?? '', value: textOf(row.value) }));
}

// `key` is a reserved word in MySQL; backquotes are read by SQLite too.
const selectRows = `SELECT \`key\`, \`value\` FROM ${seedSettingsTable} ORDER BY id`;

function readSqlite(path: string): SeedRow[] {
  let kind: 'file' | 'directory' | 'missing';
  try {
    kind = statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    kind = 'missing';
  }
  if (kind === 'missing') throw new SeedSourceError(`${path}: no such file`);
  if (kind === 'directory') throw new SeedSourceError(`${path}: a directory, not an SQLite file`);
  let database: SqliteDatabase.Database | undefined;
  try {
    // Read-only: the seed's file is never changed, even by a journal.
    database = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
    return rowsOf(database.prepare(selectRows).all() as Record<string, unknown>[]);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'SQLITE_NOTADB') throw new SeedSourceError(`${path}: not an SQLite database`);
    if (/no such table/.test(message))
      throw new SeedSourceError(`${path}: no ${seedSettingsTable} table; is it gemini-balance's database?`);
    throw new SeedSourceError(`${path}: cannot be read (${code ?? message})`);
  } finally {
    database?.close();
  }
}

async function readMysql(source: Extract<SeedSource, { kind: 'mysql' }>): Promise<SeedRow[]> {
  const where = describeSeedSource(source);
  let connection: Awaited<ReturnType<typeof createConnection>> | undefined;
  try {
    connection = await createConnection({
      host: source.host,
      port: source.port,
      user: source.user,
      password: source.password,
      database: source.database,
      connectTimeout: 10_000,
      // Text as the server stores it; `value` is TEXT, but a hand-made table may differ.
      charset: 'utf8mb4',
    });
    const [rows] = await connection.query(selectRows);
    return rowsOf(rows as Record<string, unknown>[]);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ER_NO_SUCH_TABLE')
      throw new SeedSourceError(`${where}: no ${seedSettingsTable} table; is it gemini-balance's database?`);
    // The drivers' messages name the user and host, never the password; it is cut out all the same.
    const said = source.password === '' ? message : message.split(source.password).join('…');
    throw new SeedSourceError(`${where}: ${said}`);
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

/** Every row of the seed's settings table, in the order they were written. */
export async function readSeedSettings(source: SeedSource): Promise<SeedRow[]> {
  return source.kind === 'sqlite' ? readSqlite(source.path) : readMysql(source);
}
