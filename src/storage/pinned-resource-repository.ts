import type { Kysely } from 'kysely';
import type { PinnedResource, PinnedResourceStore } from '../core/pinned-resource-store.js';
import type { DatabaseSchema, PinnedResourceTable } from './database-schema.js';

const resourceOf = (row: PinnedResourceTable): PinnedResource => ({
  name: row.name,
  keyId: row.key_id,
  clientId: row.client_id,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  resource: row.resource,
});

/** Files and cached contents and the keys they live with, in the gateway's database (migration 0010). */
export function createPinnedResourceRepository(db: Kysely<DatabaseSchema>): PinnedResourceStore {
  return {
    async put(resource) {
      await db.transaction().execute(async (transaction) => {
        await transaction.deleteFrom('pinned_resource').where('name', '=', resource.name).execute();
        await transaction
          .insertInto('pinned_resource')
          .values({
            name: resource.name,
            key_id: resource.keyId,
            client_id: resource.clientId,
            created_at: resource.createdAtMs,
            expires_at: resource.expiresAtMs,
            resource: resource.resource,
          })
          .execute();
      });
    },
    async find(name, nowMs) {
      const row = await db
        .selectFrom('pinned_resource')
        .selectAll()
        .where('name', '=', name)
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      return row ? resourceOf(row) : undefined;
    },
    async list(kind, clientId, nowMs, page) {
      // Names of one kind sort between its prefix and the prefix with its `/` raised to `0`.
      let query = db
        .selectFrom('pinned_resource')
        .selectAll()
        .where('name', '>', page.after ?? kind)
        .where('name', '<', `${kind.slice(0, -1)}0`)
        .where('expires_at', '>', nowMs);
      if (clientId !== null) query = query.where('client_id', '=', clientId);
      const rows = await query.orderBy('name').limit(page.size).execute();
      return rows.map(resourceOf);
    },
    async remove(name) {
      await db.deleteFrom('pinned_resource').where('name', '=', name).execute();
    },
    async removeExpired(nowMs) {
      const result = await db
        .deleteFrom('pinned_resource')
        .where('expires_at', '<=', nowMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
