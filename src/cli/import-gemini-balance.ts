import { existsSync } from 'node:fs';
import { parseSettings, readEnvironment, SettingsError } from '../config/load-settings.js';
import { type GemgateHoldings, planSeedImport, type SeedKey } from '../config/plan-seed-import.js';
import type { Settings } from '../config/settings.js';
import { openSettingsStore, type SavedSettingValues, type SettingsStore } from '../config/settings-store.js';
import { createDatabase, type Database, resolveSqlitePath } from '../storage/create-database.js';
import { createKeyRepository } from '../storage/key-repository.js';
import { listTables } from '../storage/list-tables.js';
import { migrateToLatest } from '../storage/migrate-to-latest.js';
import {
  describeSeedSource,
  parseSeedSource,
  readSeedSettings,
  SeedSourceError,
} from '../storage/read-seed-settings.js';
import { createSavedSettingValues } from '../storage/setting-repository.js';
import { formatSeedImportReport } from './format-seed-import-report.js';

// `npm run import:gemini-balance -- [--dry-run] <SQLite file | mysql://…>`: the settings and keys
// gemini-balance's console saved, into the database gemgate's own configuration names (the same
// environment and .env it starts with). Every failure is one line and exit status 1.

const usage =
  'usage: npm run import:gemini-balance -- [--dry-run] <gemini-balance SQLite file | mysql://user:password@host:port/database>';

/** An expected failure: printed as it is, without a stack. */
class ImportError extends Error {}

/** Keys written per statement: far below every dialect's limit on bound parameters. */
const keysPerBatch = 500;

function parseArguments(args: readonly string[]): { dryRun: boolean; source: string } | 'help' {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const options = args.filter((arg) => arg.startsWith('--'));
  const unknown = options.filter((option) => option !== '--dry-run');
  // An unknown option is named: options are ours, never a secret.
  if (unknown.length > 0) throw new ImportError(`unknown option ${unknown.join(', ')}\n${usage}`);
  const sources = args.filter((arg) => !arg.startsWith('--'));
  if (sources.length !== 1) throw new ImportError(usage);
  return { dryRun: options.length > 0, source: sources[0] as string };
}

/** gemgate's database as the report names it, without a password. */
function describeTarget(settings: Settings, database: Database | undefined): string {
  switch (settings.DATABASE_TYPE) {
    case 'sqlite':
      return `${database?.location ?? resolveSqlitePath(settings.SQLITE_DATABASE)} (SQLite)`;
    case 'mysql':
      return settings.MYSQL_SOCKET
        ? `mysql://${settings.MYSQL_USER}@localhost/${settings.MYSQL_DATABASE} (socket ${settings.MYSQL_SOCKET})`
        : `mysql://${settings.MYSQL_USER}@${settings.MYSQL_HOST}:${settings.MYSQL_PORT}/${settings.MYSQL_DATABASE}`;
    case 'postgres':
      return `postgres://${settings.POSTGRES_USER}@${settings.POSTGRES_HOST}:${settings.POSTGRES_PORT}/${settings.POSTGRES_DATABASE}`;
  }
}

/** Saved values of a database gemgate never started on: none, and a dry run writes none. */
const noSavedValues: SavedSettingValues = {
  load: async () => ({}),
  save: async () => {
    throw new Error('a dry run writes nothing');
  },
  forget: async () => {
    throw new Error('a dry run writes nothing');
  },
};

/**
 * gemgate's database, opened and brought to the latest schema; for a dry run opened only when it
 * exists and never migrated, so that it writes nothing, not even an empty file.
 */
async function openTarget(settings: Settings, dryRun: boolean): Promise<Database | undefined> {
  if (dryRun && settings.DATABASE_TYPE === 'sqlite') {
    const path = resolveSqlitePath(settings.SQLITE_DATABASE);
    if (path !== ':memory:' && !existsSync(path)) return undefined;
  }
  const database = createDatabase(settings);
  try {
    if (!dryRun) await migrateToLatest(database);
    return database;
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
}

/** What gemgate holds now: the settings it would start with, and the keys added at run time. */
async function readHoldings(
  settings: Settings,
  environment: Readonly<Record<string, string | undefined>>,
  database: Database | undefined,
): Promise<{ holdings: GemgateHoldings; store: SettingsStore }> {
  const tables = database ? await listTables(database) : new Set<string>();
  const store = await openSettingsStore({
    environment: settings,
    environmentText: environment,
    saved:
      database && tables.has('setting') ? createSavedSettingValues(database.db, Date.now) : noSavedValues,
    // A saved value gemgate would ignore at start is none: the import may replace it.
    onIgnored: () => {},
    onListenerError: () => {},
  });
  const runtimeKeys =
    database && tables.has('api_key')
      ? await createKeyRepository(database.db, database.dialect).loadRuntimeKeys()
      : [];
  const { settings: current, sources } = store.current();
  return { holdings: { settings: current, sources, runtimeKeys }, store };
}

async function write(
  store: SettingsStore,
  database: Database,
  settings: Readonly<Record<string, string>>,
  keys: readonly SeedKey[],
) {
  if (Object.keys(settings).length > 0) {
    const result = await store.save(settings);
    if (!result.ok)
      throw new ImportError(
        `gemgate refused the settings, so none was saved: ${result.problems.map((problem) => `${problem.name}: ${problem.message}`).join('; ')}`,
      );
  }
  const repository = createKeyRepository(database.db, database.dialect);
  // Batches, each in its own transaction: a run cut short leaves whole batches, and the next run
  // adds only what is missing.
  for (let start = 0; start < keys.length; start += keysPerBatch)
    await repository.addRuntimeKeys(
      keys.slice(start, start + keysPerBatch).map(({ id, secret }) => ({ id, secret })),
      Date.now(),
    );
}

async function run(args: readonly string[]): Promise<void> {
  const parsed = parseArguments(args);
  if (parsed === 'help') {
    console.log(usage);
    return;
  }
  const environment = readEnvironment();
  const settings = parseSettings(environment);
  const source = parseSeedSource(parsed.source);
  // Read whole and closed before gemgate's database opens: the two may be one SQLite file.
  const rows = await readSeedSettings(source);
  let database: Database | undefined;
  try {
    try {
      database = await openTarget(settings, parsed.dryRun);
    } catch (error) {
      throw new ImportError(
        `gemgate's database ${describeTarget(settings, undefined)} cannot be opened: ${(error as Error).message}`,
      );
    }
    const { holdings, store } = await readHoldings(settings, environment, database);
    const plan = planSeedImport(rows, holdings);
    if (!parsed.dryRun && database) {
      try {
        await write(store, database, plan.settings, plan.keys);
      } catch (error) {
        if (error instanceof ImportError) throw error;
        // The code only: a driver's message may quote the values it failed to write.
        const code = (error as { code?: unknown }).code ?? (error as Error).name;
        throw new ImportError(`writing to gemgate's database failed (${String(code)}); run the import again`);
      }
    }
    process.stdout.write(
      formatSeedImportReport({
        plan,
        source: describeSeedSource(source),
        target: describeTarget(settings, database),
        dryRun: parsed.dryRun,
      }),
    );
  } finally {
    await database?.db.destroy();
  }
}

try {
  await run(process.argv.slice(2));
  process.exit(0);
} catch (error) {
  const expected =
    error instanceof ImportError || error instanceof SeedSourceError || error instanceof SettingsError;
  console.error(
    expected
      ? `import:gemini-balance: ${(error as Error).message}`
      : `import:gemini-balance failed: ${(error as Error).message}`,
  );
  // A connection a driver left open must not keep a failed import waiting.
  process.exit(1);
}
