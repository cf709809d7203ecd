import { type Kysely, sql } from 'kysely';
import { findKeyIdCollisions, KeyIdCollisionError } from '../keypool/find-key-id-collisions.js';
import type { KeyStateChange } from '../keypool/key-pool.js';
import type { KeyStore } from '../keypool/key-store.js';
import type { DatabaseDialect, DatabaseSchema } from './database-schema.js';
import { inChunks } from './in-chunks.js';

/**
 * The key pool's store in the gateway's database: one row per key, no cap on the pool's size. Ids
 * and rows are bound a chunk per statement, several statements in one transaction: 100,000 keys
 * imported, or switched on at once, in a single statement exceed SQLite's and PostgreSQL's limits on
 * bound parameters, and a state save that always fails would never save again.
 */
export function createKeyRepository(db: Kysely<DatabaseSchema>, dialect: DatabaseDialect): KeyStore {
  return {
    async loadRuntimeKeys() {
      const rows = await db
        .selectFrom('api_key')
        .select('secret')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => row.secret);
    },
    async addRuntimeKeys(keys, nowMs) {
      if (keys.length === 0) return;
      await db.transaction().execute(async (transaction) => {
        const storedSecrets = new Map<string, string>();
        for (const chunk of inChunks(keys.map((key) => key.id))) {
          const stored = await transaction
            .selectFrom('api_key')
            .select(['id', 'secret'])
            .where('id', 'in', chunk)
            .execute();
          for (const row of stored) storedSecrets.set(row.id, row.secret);
        }
        // A row under the same id holding another key (stored by a request or an instance this
        // process has not heard of) is never overwritten: the two keys would be merged.
        const collisions = findKeyIdCollisions(keys, (id) => storedSecrets.get(id));
        if (collisions.length > 0) throw new KeyIdCollisionError(collisions);
        const fresh = keys.filter((key) => !storedSecrets.has(key.id));
        for (const chunk of inChunks(fresh)) {
          await transaction
            .insertInto('api_key')
            .values(chunk.map((key) => ({ id: key.id, secret: key.secret, created_at: nowMs })))
            .execute();
        }
      });
    },
    async removeRuntimeKeys(ids) {
      if (ids.length === 0) return;
      // All or none: the operator is told none was removed when this fails.
      await db.transaction().execute(async (transaction) => {
        for (const chunk of inChunks(ids))
          await transaction.deleteFrom('api_key').where('id', 'in', chunk).execute();
      });
    },
    async loadStates() {
      const rows = await db.selectFrom('key_state').selectAll().execute();
      return new Map(
        rows.map((row) => [
          row.key_id,
          { state: JSON.parse(row.state), requests: Number(row.requests), failures: Number(row.failures) },
        ]),
      );
    },
    async saveStates(changes, nowMs) {
      if (changes.size === 0) return;
      // In the order of their ids: instances saving the same keys at once lock them in one order,
      // so neither waits on the other in a cycle.
      const sorted = [...changes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const gone = sorted.filter(([, change]) => change === null).map(([id]) => id);
      const rows = sorted
        .filter((entry): entry is [string, KeyStateChange] => entry[1] !== null)
        .map(([id, change]) => ({
          key_id: id,
          state: JSON.stringify(change.state),
          requests: change.addedRequests,
          failures: change.addedFailures,
          updated_at: nowMs,
        }));
      // An upsert, not a delete and an insert: another instance may save the same key at the same
      // moment, and each adds the requests it counted.
      await db.transaction().execute(async (transaction) => {
        for (const chunk of inChunks(gone))
          await transaction.deleteFrom('key_state').where('key_id', 'in', chunk).execute();
        for (const chunk of inChunks(rows)) {
          const insert = transaction.insertInto('key_state').values(chunk);
          await (dialect === 'mysql'
            ? insert.onDuplicateKeyUpdate({
                state: sql`values(state)`,
                requests: sql`requests + values(requests)`,
                failures: sql`failures + values(failures)`,
                updated_at: sql`values(updated_at)`,
              })
            : insert.onConflict((conflict) =>
                conflict.column('key_id').doUpdateSet({
                  state: sql`excluded.state`,
                  requests: sql`key_state.requests + excluded.requests`,
                  failures: sql`key_state.failures + excluded.failures`,
                  updated_at: sql`excluded.updated_at`,
                }),
              )
          ).execute();
        }
      });
    },
  };
}
