import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AdminToken, adminTokenFingerprint, isAdminToken } from '../core/admin-token.js';
import type { Clock } from '../core/clock.js';
import type { LoginThrottle } from '../core/login-throttle.js';
import type { AdminSession, AdminSessionRepository } from '../storage/admin-session-repository.js';
import { extractBearer } from './client-auth.js';
import { isCrossOrigin } from './is-cross-origin.js';

/** What the operator API needs to tell the operator from anyone else. */
export interface OperatorAuth {
  readonly admin: AdminToken;
  readonly sessions: AdminSessionRepository;
  readonly clock: Clock;
  /** ADMIN_SESSION_EXPIRE of the settings in force, read at each sign-in. */
  readonly sessionSeconds: () => number;
  readonly throttle: LoginThrottle;
}

/** How a request proved it is the operator's. */
export type OperatorCredential =
  | { readonly kind: 'token' }
  | { readonly kind: 'session'; readonly session: AdminSession };

export const sessionCookieName = 'gemgate_session';
/** The cookie goes only where it is needed: the console's pages are static and carry no secret. */
const cookiePath = '/api';
export const signInPath = '/api/auth/login';
/** Tells the console whether it is signed in: answered to anyone, with no more than that. */
export const sessionPath = '/api/auth/session';

/** SHA-256 (hex) of a session cookie's value: all that is stored of it. */
export const sessionIdHash = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** The value of one cookie of a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at !== -1 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** Whether the request reached the gateway over HTTPS, directly or through a TLS-terminating proxy. */
function overHttps(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
  return request.protocol === 'https' || proto === 'https';
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it), Secure whenever the console is reached over HTTPS. `maxAgeSeconds` 0 clears it.
 */
export function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = overHttps(request) ? '; Secure' : '';
  return `${sessionCookieName}=${value}; Path=${cookiePath}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/**
 * The token an `Authorization` header carries: a Bearer's, or with `bare` (gemini-balance's scripts
 * send `Authorization: <AUTH_TOKEN>` to its key list) the whole header when it names no Bearer.
 */
function authorizationToken(authorization: string | string[] | undefined, bare: boolean): string | undefined {
  const bearer = extractBearer(authorization);
  if (bearer !== undefined || !bare || typeof authorization !== 'string') return bearer;
  return authorization.trim() || undefined;
}

/**
 * A request's credential: the admin token as a Bearer (which alone decides when sent), or a live
 * session. With `bareToken`, a bare `Authorization: AUTH_TOKEN` counts as the Bearer would.
 */
export async function authenticate(
  auth: OperatorAuth,
  request: FastifyRequest,
  { bareToken = false }: { readonly bareToken?: boolean } = {},
): Promise<OperatorCredential | undefined> {
  const token = authorizationToken(request.headers.authorization, bareToken);
  // Compared by digest (isAdminToken): as long for any guess, whatever part of it is right.
  if (token !== undefined) return isAdminToken(auth.admin, token) ? { kind: 'token' } : undefined;
  const value = readCookie(request.headers.cookie, sessionCookieName);
  if (value === undefined) return undefined;
  const session = await auth.sessions.find(sessionIdHash(value), auth.clock.now());
  // A session opened with another admin token died when AUTH_TOKEN changed.
  if (!session || session.tokenFingerprint !== adminTokenFingerprint(auth.admin)) return undefined;
  return { kind: 'session', session };
}

const changesState = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The operator API's error shape: `{error:{code,message}}`, with whatever else the route adds. */
export function sendAdminError(
  reply: FastifyReply,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return reply.code(status).send({ error: { code: status, message, ...extra } });
}

const credentials = new WeakMap<FastifyRequest, OperatorCredential>();

/** The credential the guard accepted for this request. */
export function credentialOf(request: FastifyRequest): OperatorCredential | undefined {
  return credentials.get(request);
}

/**
 * Guards every route registered in `app` but sign-in and the session check: the admin token as a Bearer (or, with
 * `bareToken`, as the whole Authorization header), or a session cookie; anything else is 401,
 * whatever it carries (a client token included). A change made
 * through a session must come from the console's own origin (a page elsewhere could otherwise post
 * a form with the operator's cookie); a Bearer token is never sent by a browser on its own.
 */
export function guardOperatorApi(
  app: FastifyInstance,
  auth: OperatorAuth,
  options: { readonly bareToken?: boolean } = {},
): void {
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url === signInPath || url === sessionPath) return;
    const credential = await authenticate(auth, request, options);
    if (!credential) {
      return sendAdminError(
        reply,
        401,
        'Sign in (POST /api/auth/login) or send Authorization: Bearer AUTH_TOKEN.',
      );
    }
    if (credential.kind === 'session' && changesState(request.method) && isCrossOrigin(request.headers)) {
      return sendAdminError(
        reply,
        403,
        "A change made with a session must come from the console's own origin.",
      );
    }
    credentials.set(request, credential);
  });
}
