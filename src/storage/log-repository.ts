import type { Kysely } from 'kysely';
import type { ErrorLogEntry, RequestLogEntry } from '../core/log-sink.js';
import type { DatabaseSchema } from './database-schema.js';

export interface LogRepository {
  insertRequests(entries: readonly RequestLogEntry[]): Promise<void>;
  insertErrors(entries: readonly ErrorLogEntry[]): Promise<void>;
}

// One multi-row INSERT per batch; 500 rows keeps every dialect under its bound-parameter limit.
const rowsPerStatement = 500;

function* slices<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += rowsPerStatement) {
    yield items.slice(start, start + rowsPerStatement);
  }
}

export function createLogRepository(db: Kysely<DatabaseSchema>): LogRepository {
  return {
    async insertRequests(entries) {
      for (const slice of slices(entries)) {
        await db
          .insertInto('request_log')
          .values(
            slice.map((entry) => ({
              created_at: entry.createdAt,
              route: entry.route,
              model: entry.model,
              key_id: entry.keyId,
              status: entry.status,
              success: entry.success ? 1 : 0,
              latency_ms: Math.round(entry.latencyMs),
              attempts: entry.attempts,
              stream: entry.stream ? 1 : 0,
            })),
          )
          .execute();
      }
    },
    async insertErrors(entries) {
      for (const slice of slices(entries)) {
        await db
          .insertInto('error_log')
          .values(
            slice.map((entry) => ({
              created_at: entry.createdAt,
              route: entry.route,
              model: entry.model,
              key_id: entry.keyId,
              status: entry.status,
              error_type: entry.errorType,
              message: entry.message,
              request_body: entry.requestBody,
            })),
          )
          .execute();
      }
    },
  };
}
