import type { Kysely } from 'kysely';
import type { KeyMeta, KeyMetaStore } from '../keypool/key-meta-store.js';
import type { DatabaseSchema } from './database-schema.js';
import { inChunks } from './in-chunks.js';

/** Notes and tags per key, in the gateway's database (migration 0009). */
export function createKeyMetaRepository(db: Kysely<DatabaseSchema>): KeyMetaStore {
  return {
    async loadAll() {
      const rows = await db.selectFrom('key_meta').select(['key_id', 'note', 'tags']).execute();
      return new Map(
        rows.map((row): [string, KeyMeta] => [
          row.key_id,
          { note: row.note, tags: JSON.parse(row.tags) as string[] },
        ]),
      );
    },
    async put(id, meta, nowMs) {
      // Delete and insert in one transaction, as key states are saved: one spelling on every dialect.
      await db.transaction().execute(async (transaction) => {
        await transaction.deleteFrom('key_meta').where('key_id', '=', id).execute();
        if (meta.note === '' && meta.tags.length === 0) return;
        await transaction
          .insertInto('key_meta')
          .values({ key_id: id, note: meta.note, tags: JSON.stringify(meta.tags), updated_at: nowMs })
          .execute();
      });
    },
    async remove(ids) {
      for (const chunk of inChunks(ids))
        await db.deleteFrom('key_meta').where('key_id', 'in', chunk).execute();
    },
  };
}
