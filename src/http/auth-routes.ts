import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { adminTokenFingerprint, isAdminToken } from '../core/admin-token.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import { isCrossOrigin } from './is-cross-origin.js';
import {
  authenticate,
  type OperatorAuth,
  readCookie,
  sendAdminError,
  sessionCookie,
  sessionCookieName,
  sessionIdHash,
  sessionPath,
  signInPath,
} from './operator-auth.js';

/**
 * Sign-in for the console: `POST /api/auth/login` with `{"token": AUTH_TOKEN}` opens a server-side
 * session and sets its cookie; `POST /api/auth/logout` ends it; `GET /api/auth/session` says how
 * whether and how the request is signed in. Registered behind guardOperatorApi, which lets only these
 * two through.
 */
export async function authRoutes(app: FastifyInstance, auth: OperatorAuth): Promise<void> {
  app.post(signInPath, async (request, reply) => {
    // A page elsewhere must not sign the operator's browser in to a session of its choosing.
    if (isCrossOrigin(request.headers))
      return sendAdminError(reply, 403, "Sign in from the console's own origin.");
    const nowMs = auth.clock.now();
    const waitMs = auth.throttle.waitMs(request.ip, nowMs);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      reply.header('retry-after', String(seconds));
      return sendAdminError(
        reply,
        429,
        `Too many failed sign-ins from this address; try again in ${seconds} s.`,
      );
    }
    const parsed = parseJsonObject(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
    const token = parsed.ok ? parsed.value.token : undefined;
    if (typeof token !== 'string' || token === '')
      return sendAdminError(reply, 400, 'Expected {"token": "<the admin token>"}.');
    if (!isAdminToken(auth.admin, token)) {
      auth.throttle.failed(request.ip, nowMs);
      return sendAdminError(reply, 401, 'The admin token is not valid.');
    }
    auth.throttle.succeeded(request.ip);
    const seconds = auth.sessionSeconds();
    const value = randomBytes(32).toString('base64url');
    const fingerprint = adminTokenFingerprint(auth.admin);
    const expiresAt = nowMs + seconds * 1000;
    // Sign-ins are rare: each clears the sessions that expired or belong to an earlier token.
    await auth.sessions.deleteStale(nowMs, fingerprint);
    await auth.sessions.create({
      idHash: sessionIdHash(value),
      tokenFingerprint: fingerprint,
      createdAt: nowMs,
      expiresAt,
    });
    reply.header('set-cookie', sessionCookie(request, value, seconds));
    reply.header('cache-control', 'no-store');
    return { signedIn: true, expiresAt: new Date(expiresAt).toISOString() };
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const value = readCookie(request.headers.cookie, sessionCookieName);
    if (value !== undefined) await auth.sessions.delete(sessionIdHash(value));
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return { signedIn: false };
  });

  // Outside the guard: a console that is not signed in asks here without meeting a 401.
  app.get(sessionPath, async (request, reply) => {
    const credential = await authenticate(auth, request);
    reply.header('cache-control', 'no-store');
    if (!credential) return { signedIn: false };
    if (credential.kind === 'session')
      return {
        signedIn: true,
        via: 'session',
        expiresAt: new Date(credential.session.expiresAt).toISOString(),
      };
    return { signedIn: true, via: 'token' };
  });
}
