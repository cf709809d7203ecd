import { afterAll, beforeAll } from 'vitest';
import { createDatabase, type Database } from '../../src/storage/create-database.js';
import { migrateToLatest } from '../../src/storage/migrate-to-latest.js';
import { type BackendName, backends, type ScratchDatabase } from './scratch-databases.js';

export { type BackendName, backendNames, backends, type ScratchDatabase } from './scratch-databases.js';

/**
 * A migrated scratch database on `backend` for the tests of the surrounding describe block: made
 * before them, dropped after. Read it through the returned function, inside tests.
 */
export function useMigratedDatabase(backend: BackendName): () => Database {
  let scratch: ScratchDatabase | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    scratch = await backends[backend]();
    database = createDatabase(scratch.settings);
    await migrateToLatest(database);
  });
  afterAll(async () => {
    await database?.db.destroy();
    await scratch?.drop();
  });
  return () => {
    if (!database) throw new Error('the scratch database is made in beforeAll');
    return database;
  };
}
