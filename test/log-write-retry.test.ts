import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorLogEntry, RequestLogEntry } from '../src/core/log-sink.js';
import { createLogRepository, type LogRepository } from '../src/storage/log-repository.js';
import { RejectedRowsError } from '../src/storage/rejected-rows-error.js';
import { backendNames, useMigratedDatabase } from './helpers/database-backends.js';

const request = (createdAt: number, extra: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  createdAt,
  route: 'gemini generateContent',
  model: 'gemini-2.5-flash',
  keyId: 'abcd1234abcd1234',
  status: 200,
  success: true,
  latencyMs: 3,
  attempts: 1,
  stream: false,
  ...extra,
});

// What the log writer relies on from the repository, on every backend.
describe.each(backendNames)('log repository on %s', (backend) => {
  const database = useMigratedDatabase(backend);
  let repository: LogRepository;
  beforeAll(() => {
    repository = createLogRepository(database());
  });

  const count = async (table: 'request_log' | 'error_log', createdAt: number) => {
    const rows = await database()
      .db.selectFrom(table)
      .select('id')
      .where('created_at', '=', createdAt)
      .execute();
    return rows.length;
  };

  it('writes a retried write only if its first try did not land', async () => {
    const landed = [request(1_000), request(1_000)];
    await repository.insertRequests(landed, { id: 'w-landed', retried: false });
    await repository.insertRequests(landed, { id: 'w-landed', retried: true });
    expect(await count('request_log', 1_000)).toBe(2);

    await repository.insertRequests([request(2_000)], { id: 'w-lost', retried: true });
    expect(await count('request_log', 2_000)).toBe(1);
  });

  it('cuts over-long values to their columns, multi-byte text included', async () => {
    const model = `${'模'.repeat(299)}😀`;
    await repository.insertRequests([
      request(3_000, { model, route: 'r'.repeat(400), keyId: 'k'.repeat(40) }),
    ]);
    const error: ErrorLogEntry = {
      createdAt: 3_000,
      route: 'gemini generateContent',
      model,
      keyId: null,
      status: 400,
      errorType: 'e'.repeat(100),
      message: `${'m'.repeat(100_000)}\u0000`,
      requestBody: null,
    };
    await repository.insertErrors([error]);
    const [row] = await database()
      .db.selectFrom('request_log')
      .selectAll()
      .where('created_at', '=', 3_000)
      .execute();
    expect(row?.model).toBe('模'.repeat(255));
    expect(row?.route).toHaveLength(255);
    expect(row?.key_id).toHaveLength(16);
    const [logged] = await database()
      .db.selectFrom('error_log')
      .selectAll()
      .where('created_at', '=', 3_000)
      .execute();
    expect(logged?.error_type).toHaveLength(64);
    expect(logged?.message).toHaveLength(65_536);
  });

  it('names a refusal of the rows themselves as such', async () => {
    // Status is an integer column: a value no integer column holds is refused by every backend but SQLite.
    const refused = repository.insertRequests([request(4_000, { status: 1e20 })]);
    if (backend === 'sqlite') await refused;
    else await expect(refused).rejects.toBeInstanceOf(RejectedRowsError);
  });
});
