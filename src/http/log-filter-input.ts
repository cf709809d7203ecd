import { z } from 'zod';
import type { LogFilter } from '../storage/log-filter.js';

// A time as ISO 8601 or epoch milliseconds.
const time = z
  .string()
  .max(40)
  .transform((text, context) => {
    const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
    if (Number.isNaN(ms)) {
      context.addIssue({ code: 'custom', message: 'expected an ISO 8601 time or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  });

/** The log search's filters, as query parameters (and as a deletion's `filter` object). */
export const logFilterFields = {
  from: time.optional(),
  to: time.optional(),
  key: z
    .string()
    .regex(/^[0-9a-f]{1,16}$/, 'expected a key id')
    .optional(),
  model: z.string().min(1).max(255).optional(),
  route: z.string().min(1).max(255).optional(),
  status: z
    .string()
    .regex(/^(?:[1-5]\d\d|[1-5]xx)$/, 'expected a status such as 429, or a class such as 5xx')
    .optional(),
  outcome: z
    .string()
    .regex(/^[a-z][a-z-]{0,63}$/, 'expected an outcome class such as quota-day')
    .optional(),
  client: z
    .string()
    .regex(/^(?:[0-9a-f]{16}|admin)$/, 'expected a client id')
    .optional(),
  text: z.string().max(200).optional(),
};

export const logFilterSchema = z.object(logFilterFields).strict();
export type LogFilterInput = z.infer<typeof logFilterSchema>;

export function logFilterOf(input: LogFilterInput): LogFilter {
  const status = input.status;
  const range =
    status === undefined
      ? undefined
      : status.endsWith('xx')
        ? { from: Number(status[0]) * 100, to: Number(status[0]) * 100 + 99 }
        : { from: Number(status), to: Number(status) };
  return {
    ...(input.from === undefined ? {} : { fromMs: input.from }),
    ...(input.to === undefined ? {} : { toMs: input.to }),
    ...(input.key === undefined ? {} : { keyId: input.key }),
    ...(input.model === undefined ? {} : { model: input.model }),
    ...(input.route === undefined ? {} : { route: input.route }),
    ...(range === undefined ? {} : { status: range }),
    ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
    ...(input.client === undefined ? {} : { clientId: input.client }),
    ...(input.text === undefined ? {} : { text: input.text }),
  };
}
