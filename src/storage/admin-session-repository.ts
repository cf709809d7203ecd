import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';

export interface AdminSession {
  /** SHA-256 (hex) of the cookie's value; the value itself is never stored. */
  readonly idHash: string;
  readonly tokenFingerprint: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Operator sessions, shared by every instance on the database. */
export interface AdminSessionRepository {
  create(session: AdminSession): Promise<void>;
  /** The session, unless it has expired at `nowMs`. */
  find(idHash: string, nowMs: number): Promise<AdminSession | undefined>;
  delete(idHash: string): Promise<void>;
  /** Deletes the sessions expired at `nowMs` and those of another admin token; returns how many. */
  deleteStale(nowMs: number, tokenFingerprint: string): Promise<number>;
}

export function createAdminSessionRepository(db: Kysely<DatabaseSchema>): AdminSessionRepository {
  return {
    async create(session) {
      await db
        .insertInto('admin_session')
        .values({
          id_hash: session.idHash,
          token_fingerprint: session.tokenFingerprint,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
        })
        .execute();
    },
    async find(idHash, nowMs) {
      const row = await db
        .selectFrom('admin_session')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        idHash: row.id_hash,
        tokenFingerprint: row.token_fingerprint,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
      };
    },
    async delete(idHash) {
      await db.deleteFrom('admin_session').where('id_hash', '=', idHash).execute();
    },
    async deleteStale(nowMs, tokenFingerprint) {
      const result = await db
        .deleteFrom('admin_session')
        .where((where) =>
          where.or([where('expires_at', '<=', nowMs), where('token_fingerprint', '!=', tokenFingerprint)]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
