import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { sendAdminError } from './operator-auth.js';

function sendIssues(reply: FastifyReply, error: z.ZodError, whole: string): undefined {
  sendAdminError(
    reply,
    400,
    error.issues.map((issue) => `${issue.path.join('.') || whole}: ${issue.message}`).join('; '),
  );
  return undefined;
}

/**
 * The operator API's JSON body (held raw), checked by `schema`; a 400 naming each problem if not.
 * An absent body reads as `{}` when `emptyIsObject`.
 */
export function parseAdminBody<T>(
  schema: z.ZodType<T>,
  request: FastifyRequest,
  reply: FastifyReply,
  { emptyIsObject = false }: { readonly emptyIsObject?: boolean } = {},
): T | undefined {
  const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  let json: unknown;
  try {
    json = text === '' && emptyIsObject ? {} : JSON.parse(text);
  } catch {
    sendAdminError(reply, 400, 'Expected a JSON body.');
    return undefined;
  }
  const result = schema.safeParse(json);
  return result.success ? result.data : sendIssues(reply, result.error, 'body');
}

/** The query string checked by `schema` (a repeated parameter arrives as a list, and is refused). */
export function parseAdminQuery<T>(
  schema: z.ZodType<T>,
  request: FastifyRequest,
  reply: FastifyReply,
): T | undefined {
  const result = schema.safeParse(request.query ?? {});
  return result.success ? result.data : sendIssues(reply, result.error, 'query');
}
