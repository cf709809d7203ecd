import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { sendAdminError } from './operator-auth.js';

/**
 * One issue as the operator reads it. Unknown fields are counted, not named: a field name is the
 * sender's text, and a key pasted in the wrong place would come back in the error.
 */
function describeIssue(issue: z.core.$ZodIssue, whole: string): string {
  const where = issue.path.join('.') || whole;
  if (issue.code === 'unrecognized_keys')
    return `${where}: ${issue.keys.length === 1 ? 'a field' : `${issue.keys.length} fields`} it does not take`;
  return `${where}: ${issue.message}`;
}

function sendIssues(reply: FastifyReply, error: z.ZodError, whole: string): undefined {
  sendAdminError(reply, 400, error.issues.map((issue) => describeIssue(issue, whole)).join('; '));
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
