import type { Kysely } from 'kysely';
import { findKeyIdCollisions, KeyIdCollisionError } from '../keypool/find-key-id-collisions.js';
import type { PersistedKey } from '../keypool/key-pool.js';
import type { KeyStore } from '../keypool/key-store.js';
import type { DatabaseSchema } from './database-schema.js';

/** The key pool's store in the gateway's database: one row per key, no cap on the pool's size. */
export function createKeyRepository(db: Kysely<DatabaseSchema>): KeyStore {
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
        const stored = await transaction
          .selectFrom('api_key')
          .select(['id', 'secret'])
          .where(
            'id',
            'in',
            keys.map((key) => key.id),
          )
          .execute();
        const storedSecrets = new Map(stored.map((row) => [row.id, row.secret]));
        // A row under the same id holding another key (stored by a request or an instance this
        // process has not heard of) is never overwritten: the two keys would be merged.
        const collisions = findKeyIdCollisions(keys, (id) => storedSecrets.get(id));
        if (collisions.length > 0) throw new KeyIdCollisionError(collisions);
        const fresh = keys.filter((key) => !storedSecrets.has(key.id));
        if (fresh.length === 0) return;
        await transaction
          .insertInto('api_key')
          .values(fresh.map((key) => ({ id: key.id, secret: key.secret, created_at: nowMs })))
          .execute();
      });
    },
    async removeRuntimeKeys(ids) {
      if (ids.length === 0) return;
      await db
        .deleteFrom('api_key')
        .where('id', 'in', [...ids])
        .execute();
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
      const ids = [...changes.keys()];
      const rows = [...changes]
        .filter((entry): entry is [string, PersistedKey] => entry[1] !== null)
        .map(([id, persisted]) => ({
          key_id: id,
          state: JSON.stringify(persisted.state),
          requests: persisted.requests,
          failures: persisted.failures,
          updated_at: nowMs,
        }));
      // Delete and insert in one transaction: the same statements on every dialect, where an
      // upsert is spelled three ways.
      await db.transaction().execute(async (transaction) => {
        await transaction.deleteFrom('key_state').where('key_id', 'in', ids).execute();
        if (rows.length > 0) await transaction.insertInto('key_state').values(rows).execute();
      });
    },
  };
}
