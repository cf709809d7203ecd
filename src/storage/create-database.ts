import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool as createMysqlPool } from 'mysql2';
import pg from 'pg';
import type { Settings } from '../config/settings.js';
import type { DatabaseDialect, DatabaseSchema } from './database-schema.js';

export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: DatabaseDialect;
  /** Where an SQLite database lives, for the start-up message; undefined for servers. */
  readonly location?: string;
  /** The embedded connection, for the few hot statements that skip the query builder. */
  readonly sqlite?: SqliteDatabase.Database;
}

type DatabaseSettings = Pick<
  Settings,
  | 'DATABASE_TYPE'
  | 'SQLITE_DATABASE'
  | 'MYSQL_HOST'
  | 'MYSQL_PORT'
  | 'MYSQL_USER'
  | 'MYSQL_PASSWORD'
  | 'MYSQL_DATABASE'
  | 'MYSQL_SOCKET'
  | 'POSTGRES_HOST'
  | 'POSTGRES_PORT'
  | 'POSTGRES_USER'
  | 'POSTGRES_PASSWORD'
  | 'POSTGRES_DATABASE'
>;

/** A relative SQLite path lives under `./data`, so a fresh checkout keeps its state in one folder. */
export function resolveSqlitePath(name: string, dataDirectory = 'data'): string {
  if (name === ':memory:' || isAbsolute(name)) return name;
  return resolve(dataDirectory, name);
}

// BIGINT columns (epoch milliseconds) come back from node-postgres as strings unless told otherwise.
pg.types.setTypeParser(20, (value) => Number(value));

export interface DatabaseOptions {
  /**
   * A pooled connection to a database server died (the server restarted or killed it, the network
   * dropped). The pool opens another when next needed; this is for the log, once per connection.
   */
  readonly onConnectionLost?: (error: Error) => void;
}

/**
 * Both drivers announce a dead connection as an 'error' event on the connection itself, idle or
 * in use, and Node ends the process on an 'error' event nobody listens to. Kysely listens to none,
 * node-postgres's pool only while a client is idle, mysql2's pool only once per connection: so
 * every connection gets a listener of its own for its whole life.
 */
function reportOncePerConnection(options: DatabaseOptions): (connection: EventEmitter) => void {
  const reported = new WeakSet<EventEmitter>();
  return (connection) => {
    connection.on('error', (error: Error) => {
      if (reported.has(connection)) return;
      reported.add(connection);
      options.onConnectionLost?.(error);
    });
  };
}

export function createDatabase(settings: DatabaseSettings, options: DatabaseOptions = {}): Database {
  switch (settings.DATABASE_TYPE) {
    case 'sqlite': {
      const location = resolveSqlitePath(settings.SQLITE_DATABASE);
      if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
      const database = new SqliteDatabase(location);
      // WAL lets the log writer append while readers (stats, admin) read; NORMAL is durable enough
      // for logs and state and avoids an fsync per batch.
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      database.pragma('busy_timeout = 5000');
      return {
        db: new Kysely({ dialect: new SqliteDialect({ database }) }),
        dialect: 'sqlite',
        location,
        sqlite: database,
      };
    }
    case 'mysql': {
      const pool = createMysqlPool({
        ...(settings.MYSQL_SOCKET
          ? { socketPath: settings.MYSQL_SOCKET }
          : { host: settings.MYSQL_HOST, port: settings.MYSQL_PORT }),
        user: settings.MYSQL_USER,
        password: settings.MYSQL_PASSWORD,
        database: settings.MYSQL_DATABASE,
        connectionLimit: 10,
        supportBigNumbers: true,
        connectTimeout: 10_000,
      });
      pool.on('connection', reportOncePerConnection(options));
      return { db: new Kysely({ dialect: new MysqlDialect({ pool }) }), dialect: 'mysql' };
    }
    case 'postgres': {
      const pool = new pg.Pool({
        host: settings.POSTGRES_HOST,
        port: settings.POSTGRES_PORT,
        user: settings.POSTGRES_USER,
        password: settings.POSTGRES_PASSWORD,
        database: settings.POSTGRES_DATABASE,
        max: 10,
        // Without it a connection attempt to an unreachable server waits forever, and the log
        // writer with it.
        connectionTimeoutMillis: 10_000,
        keepAlive: true,
      });
      pool.on('connect', reportOncePerConnection(options));
      // An idle client's error reaches the pool too, after its own listener has reported it.
      pool.on('error', () => {});
      return { db: new Kysely({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
    }
  }
}
