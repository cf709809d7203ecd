import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseAttemptTrace } from '../core/attempt-trace.js';
import { failureGroupOf } from '../core/failure-group.js';
import type { LogTable } from '../storage/delete-old-log-rows.js';
import { parseLogCursor } from '../storage/log-filter.js';
import type { ErrorLogRow, LogSearchRepository, RequestLogRow } from '../storage/log-search-repository.js';
import { parseAdminBody, parseAdminQuery } from './admin-input.js';
import { logFilterFields, logFilterOf, logFilterSchema } from './log-filter-input.js';
import { sendAdminError } from './operator-auth.js';

/** Names for the ids rows hold: a key's mask, a client token's label (undefined once gone). */
export interface RowNames {
  keyLabel(id: string): string | undefined;
  clientLabel(id: string): string | undefined;
}

export interface LogRouteOptions {
  readonly logs: LogSearchRepository;
  readonly names: RowNames;
}

const searchSchema = z
  .object({
    ...logFilterFields,
    cursor: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict();
const exportSchema = z.object({ ...logFilterFields, format: z.enum(['csv', 'ndjson']).optional() }).strict();
const deleteSchema = z.union([
  z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
  z.object({ filter: logFilterSchema }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
const idSchema = z.object({ id: z.string().regex(/^\d{1,15}$/, 'expected a row id') });

// A list shows the start of a message; the detail shows it whole.
const listMessageChars = 1_000;

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function presentKey(names: RowNames, id: string | null) {
  return id === null ? null : { id, masked: names.keyLabel(id) ?? null };
}

function presentClient(names: RowNames, id: string | null) {
  return id === null ? null : { id, label: names.clientLabel(id) ?? null };
}

/** What a row of either log says first: which row, when, for what, with which key. */
function presentHead(names: RowNames, row: RequestLogRow | ErrorLogRow) {
  return {
    id: Number(row.id),
    at: iso(row.created_at),
    route: row.route,
    model: row.model,
    key: presentKey(names, row.key_id),
  };
}

/** And last: who sent the request, which instance served it, and the request it belongs to. */
function presentOrigin(names: RowNames, row: RequestLogRow | ErrorLogRow) {
  return { client: presentClient(names, row.client_id), instance: row.instance, requestRef: row.request_ref };
}

function presentRequest(names: RowNames, row: RequestLogRow) {
  const input = numberOrNull(row.input_tokens);
  return {
    ...presentHead(names, row),
    status: Number(row.status),
    success: Number(row.success) === 1,
    errorClass: row.error_class,
    failureGroup: row.error_class === null ? null : (failureGroupOf(row.error_class) ?? null),
    latencyMs: Number(row.latency_ms),
    attempts: Number(row.attempts),
    stream: Number(row.stream) === 1,
    tokens:
      input === null
        ? null
        : {
            input,
            output: numberOrNull(row.output_tokens),
            thoughts: numberOrNull(row.thought_tokens),
            cached: numberOrNull(row.cached_tokens),
          },
    ...presentOrigin(names, row),
  };
}

function presentError(names: RowNames, row: ErrorLogRow, whole: boolean) {
  const message = whole ? row.message : row.message.slice(0, listMessageChars);
  return {
    ...presentHead(names, row),
    status: numberOrNull(row.status),
    errorType: row.error_type,
    failureGroup: failureGroupOf(row.error_type) ?? null,
    message,
    messageTruncated: message.length < row.message.length,
    ...presentOrigin(names, row),
    ...(whole ? { requestBody: row.request_body } : { hasRequestBody: row.request_body !== null }),
  };
}

// Spreadsheets run a cell that starts with = + - @ as a formula: such text is exported quoted and
// prefixed with ', as OWASP advises for CSV injection.
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function flatten(record: Record<string, unknown>): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) flat[`${name}.${inner}`] = innerValue;
    } else flat[name] = value;
  }
  return flat;
}

/**
 * The log viewer's API: `/api/logs/requests` and `/api/logs/errors` searched with filters, newest
 * first, a page at a time by cursor; a row in detail (a request with its attempts and the error
 * rows they left); deletion by ids, by filter or of everything; export as CSV or NDJSON, streamed.
 */
export async function logRoutes(app: FastifyInstance, { logs, names }: LogRouteOptions): Promise<void> {
  const present = (table: LogTable, row: RequestLogRow | ErrorLogRow) =>
    table === 'request_log'
      ? presentRequest(names, row as RequestLogRow)
      : presentError(names, row as ErrorLogRow, false);

  for (const [path, table] of [
    ['requests', 'request_log'],
    ['errors', 'error_log'],
  ] as const) {
    app.get(`/api/logs/${path}`, async (request, reply) => {
      const query = parseAdminQuery(searchSchema, request, reply);
      if (!query) return reply;
      const { cursor: cursorText, limit, order, ...filter } = query;
      const cursor = cursorText === undefined ? undefined : parseLogCursor(cursorText);
      if (cursorText !== undefined && !cursor)
        return sendAdminError(reply, 400, 'cursor: not a cursor this API handed out.');
      const page = await logs.search(table, {
        filter: logFilterOf(filter),
        limit: limit ?? 50,
        descending: order !== 'asc',
        ...(cursor ? { cursor } : {}),
      });
      return {
        items: page.rows.map((row) => present(table, row)),
        nextCursor: page.nextCursor ?? null,
        // A page that read its most rows before filling: how far back (or on) the search has read.
        ...(page.scannedTo === undefined ? {} : { scannedThrough: iso(page.scannedTo) }),
      };
    });

    app.get(`/api/logs/${path}/export`, async (request, reply) => {
      const query = parseAdminQuery(exportSchema, request, reply);
      if (!query) return reply;
      const { format = 'ndjson', ...filter } = query;
      return sendExport(reply, path, format, async function* () {
        let header: string[] | undefined;
        for await (const rows of logs.scan(table, logFilterOf(filter))) {
          let out = '';
          for (const row of rows) {
            const record = present(table, row);
            if (format === 'ndjson') {
              out += `${JSON.stringify(record)}\n`;
              continue;
            }
            const flat = flatten(record);
            if (!header) {
              header = Object.keys(flat);
              out += `${header.join(',')}\r\n`;
            }
            out += `${header.map((name) => csvCell(flat[name])).join(',')}\r\n`;
          }
          yield out;
        }
      });
    });

    app.post(`/api/logs/${path}/delete`, async (request, reply) => {
      const body = parseAdminBody(deleteSchema, request, reply);
      if (!body) return reply;
      const deleted = await logs.delete(
        table,
        'filter' in body ? { filter: logFilterOf(body.filter) } : body,
      );
      return { deleted };
    });

    app.delete<{ Params: { id: string } }>(`/api/logs/${path}/:id`, async (request, reply) => {
      const params = idSchema.safeParse(request.params);
      if (!params.success) return sendAdminError(reply, 400, 'id: expected a row id.');
      const deleted = await logs.delete(table, { ids: [Number(params.data.id)] });
      if (deleted === 0) return sendAdminError(reply, 404, `No ${path} row ${params.data.id}.`);
      return { deleted };
    });
  }

  app.get<{ Params: { id: string } }>('/api/logs/requests/:id', async (request, reply) => {
    const params = idSchema.safeParse(request.params);
    if (!params.success) return sendAdminError(reply, 400, 'id: expected a row id.');
    const row = await logs.requestById(Number(params.data.id));
    if (!row) return sendAdminError(reply, 404, `No request row ${params.data.id}.`);
    const errors = row.request_ref ? await logs.errorsOfRequest(row.request_ref) : [];
    return {
      ...presentRequest(names, row),
      attemptTrace: parseAttemptTrace(row.attempt_trace).map((attempt) => ({
        key: presentKey(names, attempt.keyId),
        status: attempt.status,
        outcome: attempt.outcome,
        ms: attempt.ms,
      })),
      errors: errors.map((error) => presentError(names, error, true)),
      requestBody: errors.find((error) => error.request_body !== null)?.request_body ?? null,
    };
  });

  app.get<{ Params: { id: string } }>('/api/logs/errors/:id', async (request, reply) => {
    const params = idSchema.safeParse(request.params);
    if (!params.success) return sendAdminError(reply, 400, 'id: expected a row id.');
    const row = await logs.errorById(Number(params.data.id));
    if (!row) return sendAdminError(reply, 404, `No error row ${params.data.id}.`);
    return presentError(names, row, true);
  });
}

function sendExport(
  reply: FastifyReply,
  name: string,
  format: 'csv' | 'ndjson',
  lines: () => AsyncGenerator<string>,
) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  reply
    .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
    .header('content-disposition', `attachment; filename="gemgate-${name}-${stamp}.${format}"`)
    .header('cache-control', 'no-store');
  return reply.send(Readable.from(lines()));
}
