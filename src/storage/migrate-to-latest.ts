import {
  type ColumnDataType,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
  type Migration,
  Migrator,
  sql,
} from 'kysely';
import { adminTokenHex, adminTokenOf } from '../core/admin-token.js';
import type { Database } from './create-database.js';
import { type DatabaseDialect, keyMeasures, statMeasures, tokenColumns } from './database-schema.js';
import { generatedTokenSetting } from './setting-repository.js';

// Migrations are code, shipped with the gateway and run at start-up. Each is written once for all
// three dialects; only column types differ, through these helpers.

type ColumnType = ColumnDataType | Expression<unknown>;

function types(dialect: DatabaseDialect) {
  return {
    /** Auto-incrementing primary key. */
    id: (table: CreateTableBuilder<string, never>, name = 'id') =>
      dialect === 'postgres'
        ? table.addColumn(name, 'bigserial', (column) => column.primaryKey())
        : table.addColumn(name, dialect === 'mysql' ? 'bigint' : 'integer', (column) =>
            column.primaryKey().autoIncrement(),
          ),
    /** Text that may be large (messages, request bodies): MySQL's TEXT stops at 64 KiB. */
    longText: (dialect === 'mysql' ? sql`longtext` : 'text') as ColumnType,
    /** Indexed text must be bounded in MySQL. */
    shortText: 'varchar(255)' as ColumnType,
  };
}

function initialSchema(dialect: DatabaseDialect): Migration {
  const type = types(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await type
        .id(db.schema.createTable('request_log') as CreateTableBuilder<string, never>)
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('route', type.shortText, (column) => column.notNull())
        .addColumn('model', type.shortText)
        .addColumn('key_id', 'varchar(16)')
        .addColumn('status', 'integer', (column) => column.notNull())
        .addColumn('success', 'integer', (column) => column.notNull())
        .addColumn('latency_ms', 'integer', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull())
        .addColumn('stream', 'integer', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('request_log_created_at').on('request_log').column('created_at').execute();

      await type
        .id(db.schema.createTable('error_log') as CreateTableBuilder<string, never>)
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('route', type.shortText, (column) => column.notNull())
        .addColumn('model', type.shortText)
        .addColumn('key_id', 'varchar(16)')
        .addColumn('status', 'integer')
        .addColumn('error_type', 'varchar(64)', (column) => column.notNull())
        .addColumn('message', type.longText, (column) => column.notNull())
        .addColumn('request_body', type.longText)
        .execute();
      await db.schema.createIndex('error_log_created_at').on('error_log').column('created_at').execute();

      await db.schema
        .createTable('setting')
        .addColumn('name', 'varchar(191)', (column) => column.primaryKey())
        .addColumn('value', type.longText, (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();
    },
  };
}

function keyPoolTables(dialect: DatabaseDialect): Migration {
  const type = types(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_key')
        .addColumn('id', 'varchar(16)', (column) => column.primaryKey())
        .addColumn('secret', type.longText, (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('key_state')
        .addColumn('key_id', 'varchar(16)', (column) => column.primaryKey())
        .addColumn('state', type.longText, (column) => column.notNull())
        .addColumn('requests', 'bigint', (column) => column.notNull())
        .addColumn('failures', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'bigint', (column) => column.notNull())
        .execute();
    },
  };
}

/**
 * The first row of each log batch carries the batch's id, so a batch whose write was cut off with
 * its connection can be looked up (by its created_at, which is indexed) before it is written again.
 */
const logWriteIds: Migration = {
  async up(db: Kysely<unknown>) {
    for (const table of ['request_log', 'error_log']) {
      await db.schema.alterTable(table).addColumn('write_id', 'varchar(24)').execute();
    }
  },
};

/**
 * Key ids went from 8 to 16 hex characters (64 bits); every key id column is varchar(16) already.
 * The log rows written so far may name keys by their old ids: this records, once, the last row of
 * each log table that may, and how far rewrite-log-key-ids.ts has come (it walks them after start,
 * in bounded chunks). Key states and runtime keys are moved at each start by rekey-stored-keys.ts,
 * which needs the keys themselves.
 */
const keyIdRewrite: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('key_id_rewrite')
      .addColumn('log_table', 'varchar(32)', (column) => column.primaryKey())
      .addColumn('done_through', 'bigint', (column) => column.notNull())
      .addColumn('last_id', 'bigint', (column) => column.notNull())
      .execute();
    for (const table of ['request_log', 'error_log']) {
      const { rows } = await sql<{ last: number | string | null }>`select max(id) as last
        from ${sql.table(table)}`.execute(db);
      const lastId = Number(rows[0]?.last ?? 0);
      await sql`insert into key_id_rewrite (log_table, done_through, last_id)
        values (${table}, 0, ${lastId})`.execute(db);
    }
  },
};

/**
 * Operator sessions (POST /api/auth/login), by the SHA-256 of their cookie's value: a copy of the
 * table opens no session. The admin token a start generated was stored in plain text before: it is
 * replaced by its digest, which is all the gateway needs to check it (core/admin-token.ts).
 */
const adminSessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('admin_session')
      .addColumn('id_hash', 'varchar(64)', (column) => column.primaryKey())
      .addColumn('token_fingerprint', 'varchar(64)', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('admin_session_expires_at')
      .on('admin_session')
      .column('expires_at')
      .execute();
    const { rows } = await sql<{ value: string; updated_at: number | string }>`select value, updated_at
      from setting where name = ${generatedTokenSetting.legacy}`.execute(db);
    const legacy = rows[0];
    if (!legacy) return;
    await sql`insert into setting (name, value, updated_at)
      values (${generatedTokenSetting.digest}, ${adminTokenHex(adminTokenOf(legacy.value))}, ${Number(legacy.updated_at)})`.execute(
      db,
    );
    await sql`delete from setting where name = ${generatedTokenSetting.legacy}`.execute(db);
  },
};

/** Tokens each request's answer counted (null where it said none). */
const requestTokens: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of tokenColumns)
      await db.schema.alterTable('request_log').addColumn(column, 'integer').execute();
  },
};

/**
 * What each request leaves behind besides its figures: the client token's id, the instance that
 * served it, why it failed, its attempts, and a reference its error-log rows share.
 */
function requestAttribution(dialect: DatabaseDialect): Migration {
  const type = types(dialect);
  return {
    async up(db: Kysely<unknown>) {
      for (const [column, columnType] of [
        ['client_id', 'varchar(16)'],
        ['error_class', 'varchar(64)'],
        ['request_ref', 'varchar(24)'],
        ['instance', 'varchar(64)'],
        ['attempt_trace', type.longText],
      ] as const)
        await db.schema.alterTable('request_log').addColumn(column, columnType).execute();
      for (const [column, columnType] of [
        ['client_id', 'varchar(16)'],
        ['request_ref', 'varchar(24)'],
        ['instance', 'varchar(64)'],
      ] as const)
        await db.schema.alterTable('error_log').addColumn(column, columnType).execute();
      // Only the key has an index of its own: a key's rows are few among millions, and its panel
      // reads them. Every other filter is read from the time index in bounded windows
      // (log-search-repository.ts), and each index costs every request's row its insertion.
      for (const table of ['request_log', 'error_log'])
        await db.schema.createIndex(`${table}_key_id`).on(table).columns(['key_id', 'created_at']).execute();
      await db.schema.createIndex('error_log_request_ref').on('error_log').column('request_ref').execute();
    },
  };
}

/**
 * The statistics' rollups (storage/roll-up-requests.ts), written with each batch of the request
 * log and kept when its rows are deleted. Text columns are sized for MySQL's index key limit.
 */
function rollups(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let stats = db.schema
        .createTable('stat_rollup')
        .addColumn('span', 'varchar(8)', (column) => column.notNull())
        .addColumn('bucket', 'bigint', (column) => column.notNull())
        .addColumn('model', 'varchar(128)', (column) => column.notNull())
        .addColumn('route', 'varchar(128)', (column) => column.notNull())
        .addColumn('client_id', 'varchar(16)', (column) => column.notNull())
        .addColumn('outcome', 'varchar(64)', (column) => column.notNull());
      for (const column of statMeasures)
        stats = stats.addColumn(column, 'bigint', (builder) => builder.notNull().defaultTo(0));
      await stats
        .addPrimaryKeyConstraint('stat_rollup_pk', [
          'span',
          'bucket',
          'model',
          'route',
          'client_id',
          'outcome',
        ])
        .execute();
      let keys = db.schema
        .createTable('key_rollup')
        .addColumn('span', 'varchar(8)', (column) => column.notNull())
        .addColumn('bucket', 'bigint', (column) => column.notNull())
        .addColumn('key_id', 'varchar(16)', (column) => column.notNull())
        .addColumn('model', 'varchar(128)', (column) => column.notNull());
      for (const column of keyMeasures)
        keys = keys.addColumn(column, 'bigint', (builder) => builder.notNull().defaultTo(0));
      await keys.addPrimaryKeyConstraint('key_rollup_pk', ['span', 'bucket', 'key_id', 'model']).execute();
      await db.schema
        .createIndex('key_rollup_key')
        .on('key_rollup')
        .columns(['key_id', 'span', 'bucket'])
        .execute();
      let leaders = db.schema
        .createTable('key_leader')
        .addColumn('day', 'bigint', (column) => column.notNull())
        .addColumn('metric', 'varchar(16)', (column) => column.notNull())
        .addColumn('key_id', 'varchar(16)', (column) => column.notNull());
      for (const column of keyMeasures)
        leaders = leaders.addColumn(column, 'bigint', (builder) => builder.notNull().defaultTo(0));
      await leaders.addPrimaryKeyConstraint('key_leader_pk', ['day', 'metric', 'key_id']).execute();
    },
  };
}

/** An operator's note (at most 500 characters) and tags per key. */
const keyNotes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('key_meta')
      .addColumn('key_id', 'varchar(16)', (column) => column.primaryKey())
      .addColumn('note', 'text', (column) => column.notNull())
      .addColumn('tags', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .execute();
  },
};

/** Files and cached contents: which key's project holds each, and which client made it. */
function pinnedResources(dialect: DatabaseDialect): Migration {
  const type = types(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pinned_resource')
        .addColumn('name', type.shortText, (column) => column.primaryKey())
        .addColumn('key_id', 'varchar(16)', (column) => column.notNull())
        .addColumn('client_id', 'varchar(16)', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .addColumn('resource', type.longText, (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('pinned_resource_client')
        .on('pinned_resource')
        .columns(['client_id', 'name'])
        .execute();
      await db.schema
        .createIndex('pinned_resource_expires')
        .on('pinned_resource')
        .column('expires_at')
        .execute();
    },
  };
}

/** Every migration, by name, in order; a test builds a database as an older gateway left it. */
export function migrationsFor(dialect: DatabaseDialect): Record<string, Migration> {
  return {
    '0001-initial-schema': initialSchema(dialect),
    '0002-key-pool': keyPoolTables(dialect),
    '0003-log-write-ids': logWriteIds,
    '0004-key-id-rewrite': keyIdRewrite,
    '0005-admin-sessions': adminSessions,
    '0006-request-tokens': requestTokens,
    '0007-request-attribution': requestAttribution(dialect),
    '0008-rollups': rollups(),
    '0009-key-notes': keyNotes,
    '0010-pinned-resources': pinnedResources(dialect),
  };
}

export function createMigrator(database: Database): Migrator {
  const migrations = migrationsFor(database.dialect);
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'gemgate_migration',
    migrationLockTableName: 'gemgate_migration_lock',
  });
}

export async function migrateToLatest(database: Database): Promise<void> {
  let outcome = await createMigrator(database).migrateToLatest();
  // Kysely locks migrations on database servers only. Processes starting on one SQLite file may
  // run a migration together; the one that comes second fails (the column exists, or the file is
  // busy) and its transaction rolls back whole. Each failure means another process got further, so
  // the next pass finds more done: a pass per migration is enough for any interleaving of two.
  const passes = database.dialect === 'sqlite' ? Object.keys(migrationsFor('sqlite')).length : 0;
  for (let pass = 0; outcome.error && pass < passes; pass++)
    outcome = await createMigrator(database).migrateToLatest();
  const { error, results } = outcome;
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}
