import type { Kysely } from 'kysely';
import type { SavedSettingValues } from '../config/settings-store.js';
import type { DatabaseSchema } from './database-schema.js';

/**
 * Where a generated admin token is kept: its SHA-256 in hex (`digest`); gateways before sessions
 * kept the token itself (`legacy`), which migration 0005 replaces by its digest.
 */
export const generatedTokenSetting = {
  digest: 'generated_auth_token_sha256',
  legacy: 'generated_auth_token',
} as const;

/** Named values the gateway keeps in its database (such as a generated admin token's digest). */
export interface SettingRepository {
  get(name: string): Promise<string | undefined>;
  /** Stores the value unless one exists; returns the value that is stored afterwards. */
  putIfAbsent(name: string, value: string, nowMs: number): Promise<string>;
}

export function createSettingRepository(db: Kysely<DatabaseSchema>): SettingRepository {
  async function get(name: string): Promise<string | undefined> {
    const row = await db.selectFrom('setting').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }
  return {
    get,
    async putIfAbsent(name, value, nowMs) {
      try {
        await db.insertInto('setting').values({ name, value, updated_at: nowMs }).execute();
        return value;
      } catch (error) {
        // Another instance stored one first: theirs wins, so every instance agrees.
        const existing = await get(name);
        if (existing === undefined) throw error;
        return existing;
      }
    },
  };
}

/**
 * Rows of the `setting` table that hold an operator's saved settings carry this prefix before the
 * setting's name, apart from the gateway's own values (`generated_auth_token_sha256`).
 */
export const savedSettingPrefix = 'config.';

/** The values an operator saved through `/api/config`, in the `setting` table. */
export function createSavedSettingValues(db: Kysely<DatabaseSchema>, now: () => number): SavedSettingValues {
  return {
    async load() {
      const rows = await db
        .selectFrom('setting')
        .select(['name', 'value'])
        .where('name', 'like', `${savedSettingPrefix}%`)
        .execute();
      return Object.fromEntries(rows.map((row) => [row.name.slice(savedSettingPrefix.length), row.value]));
    },
    async save(values) {
      const names = Object.keys(values).map((name) => savedSettingPrefix + name);
      if (names.length === 0) return;
      const updatedAt = now();
      // Delete and insert in one transaction: the same statements on every dialect, where an
      // upsert is spelled three ways.
      await db.transaction().execute(async (transaction) => {
        await transaction.deleteFrom('setting').where('name', 'in', names).execute();
        await transaction
          .insertInto('setting')
          .values(
            Object.entries(values).map(([name, value]) => ({
              name: savedSettingPrefix + name,
              value,
              updated_at: updatedAt,
            })),
          )
          .execute();
      });
    },
    async forget(name) {
      await db
        .deleteFrom('setting')
        .where('name', '=', savedSettingPrefix + name)
        .execute();
    },
  };
}
