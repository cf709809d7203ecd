import type { Database } from './create-database.js';

/** The names of the tables a database holds, to read one that may not have been made yet. */
export async function listTables(database: Database): Promise<Set<string>> {
  const tables = await database.db.introspection.getTables();
  return new Set(tables.map((table) => table.name));
}
