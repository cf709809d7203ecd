import SqliteDatabase from 'better-sqlite3';
import { settingEntry } from '../../src/config/setting-catalog.js';
import { savedSettingPrefix } from '../../src/storage/setting-repository.js';

/**
 * The columns whose job is to hold a secret, so the gateway can use it after a restart: keys added
 * at run time and secret settings an operator saved (such as API_KEYS). A generated admin token is
 * stored as its digest, which is scanned like any other value. They are the store, not a leak, and are replaced by this marker; every other value
 * of every table is dumped as it is.
 */
const storedSecretMarker = '(secret store, not scanned)';

function isStoredSecret(table: string, column: string, row: Record<string, unknown>): boolean {
  if (table === 'api_key') return column === 'secret';
  if (table !== 'setting' || column !== 'value' || typeof row.name !== 'string') return false;
  return (
    row.name.startsWith(savedSettingPrefix) && settingEntry(row.name.slice(savedSettingPrefix.length)).secret
  );
}

/** Every row of every table of a SQLite file, one JSON line each, with its table's name. */
export function dumpSqliteRows(path: string): string {
  const database = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
  try {
    const tables = database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    const lines: string[] = [];
    for (const table of tables) {
      const rows = database.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all() as Record<
        string,
        unknown
      >[];
      for (const row of rows) {
        const values = Object.entries(row).map(([column, value]) => [
          column,
          isStoredSecret(table, column, row) ? storedSecretMarker : readable(value),
        ]);
        lines.push(JSON.stringify({ table, ...Object.fromEntries(values) }));
      }
    }
    return lines.join('\n');
  } finally {
    database.close();
  }
}

/** Blobs as their bytes (JSON would otherwise write a list of numbers no needle matches). */
function readable(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'bigint') return String(value);
  return value;
}
