import type { FastifyInstance, FastifyReply } from 'fastify';
import { createTokenMatcher, extractBearer } from './client-auth.js';

/** The operator API's error shape: `{error:{code,message}}`, with whatever else the route adds. */
export function sendAdminError(
  reply: FastifyReply,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return reply.code(status).send({ error: { code: status, message, ...extra } });
}

/**
 * Lets through only requests carrying the admin token as `Authorization: Bearer` (compared in
 * constant time); others get 401 without a token and 403 with a wrong one.
 */
export function requireAdminToken(app: FastifyInstance, authToken: string): void {
  const isAdminToken = createTokenMatcher(authToken);
  app.addHook('onRequest', (request, reply, done) => {
    const token = extractBearer(request.headers.authorization);
    if (isAdminToken(token)) return done();
    sendAdminError(
      reply,
      token ? 403 : 401,
      token ? 'The admin token is not valid.' : 'Send Authorization: Bearer AUTH_TOKEN.',
    );
  });
}
