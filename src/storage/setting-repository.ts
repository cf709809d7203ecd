import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';

/** Named values the gateway keeps in its database (such as a generated admin token). */
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
