import type { Kysely } from 'kysely';
import type { FileStore, StoredFile } from '../core/file-store.js';
import type { DatabaseSchema, GeminiFileTable } from './database-schema.js';

const fileOf = (row: GeminiFileTable): StoredFile => ({
  name: row.name,
  keyId: row.key_id,
  clientId: row.client_id,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  resource: row.resource,
});

/** The files uploaded through the gateway, in its database (migration 0010). */
export function createFileRepository(db: Kysely<DatabaseSchema>): FileStore {
  return {
    async add(file) {
      // A name Google gave again (it never should) replaces the record: the newest upload holds it.
      await db.transaction().execute(async (transaction) => {
        await transaction.deleteFrom('gemini_file').where('name', '=', file.name).execute();
        await transaction
          .insertInto('gemini_file')
          .values({
            name: file.name,
            key_id: file.keyId,
            client_id: file.clientId,
            created_at: file.createdAtMs,
            expires_at: file.expiresAtMs,
            resource: file.resource,
          })
          .execute();
      });
    },
    async find(name, nowMs) {
      const row = await db
        .selectFrom('gemini_file')
        .selectAll()
        .where('name', '=', name)
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      return row ? fileOf(row) : undefined;
    },
    async list(clientId, nowMs, page) {
      let query = db.selectFrom('gemini_file').selectAll().where('expires_at', '>', nowMs);
      if (clientId !== null) query = query.where('client_id', '=', clientId);
      if (page.after !== undefined) query = query.where('name', '>', page.after);
      const rows = await query.orderBy('name').limit(page.size).execute();
      return rows.map(fileOf);
    },
    async remove(name) {
      await db.deleteFrom('gemini_file').where('name', '=', name).execute();
    },
    async removeExpired(nowMs) {
      const result = await db.deleteFrom('gemini_file').where('expires_at', '<=', nowMs).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
