import type { FastifyInstance } from 'fastify';
import { isSeedOperatorPath } from './seed-key-routes.js';

/**
 * Path prefixes of the client APIs, which browsers may call from other origins: native Gemini
 * (and its Vertex AI express twin), OpenAI (`/v1`, `/hf/v1`), the `/openai/v1` passthrough and
 * generated images. The operator API (`/api/*`), gemini-balance's key routes that live under these
 * prefixes (`/gemini/v1beta/verify-key/…`, `/v1/keys/list`, …) and `/health` are not among them: no
 * page on another origin may read them, whatever CORS_ALLOWED_ORIGINS says.
 */
const clientApiPrefixes = [
  '/v1beta',
  '/gemini/v1beta',
  '/gemini/v1',
  '/vertex-express/v1beta',
  '/v1',
  '/hf/v1',
  '/openai/v1',
  '/images',
];

function isClientApiPath(url: string): boolean {
  return (
    clientApiPrefixes.some(
      (prefix) =>
        url.startsWith(prefix) &&
        (url.length === prefix.length || url[prefix.length] === '/' || url[prefix.length] === '?'),
    ) && !isSeedOperatorPath(url)
  );
}

// The methods the client APIs use. Headers are echoed rather than listed: clients send their own
// (the OpenAI SDK's x-stainless-*, Google's x-goog-api-client), and a wildcard would not cover
// Authorization.
const allowedMethods = 'GET, HEAD, POST, DELETE';
// What a browser may read beyond the safelisted headers: when to come back after a 429 or 503.
const exposedHeaders = 'retry-after';
// Chromium caps the cache at 2 h; 10 min lets a changed origin list take effect soon enough.
const preflightMaxAgeSeconds = '600';
// A list of header names (RFC 9110 tokens). Anything else is not echoed: Node refuses to send a
// header value with control characters, and a preflight must not become a 500.
const headerNameList = /^[!#$%&'*+.^`|~\w-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^`|~\w-]+)*$/;
const maxEchoedHeadersLength = 4096;

/**
 * CORS for browser clients of the client APIs. A preflight (OPTIONS with Access-Control-Request-
 * Method) is answered here, before client authentication, because browsers send no credentials on
 * it; an allowed origin gets 204 with the allow headers, a refused one 403 without them. Actual
 * requests of an allowed origin get Access-Control-Allow-Origin. With `*` (the default, as
 * gemini-balance had) any origin is allowed and the answer is the same for all; with a list, the
 * origin is echoed and answers say `Vary: Origin` so caches keep them apart.
 *
 * Headers go on the raw response: stream writers hijack the reply and write their head themselves,
 * and Node merges headers set this way into it.
 */
export function addCorsHook(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const anyOrigin = allowedOrigins.includes('*');
  const origins = new Set(allowedOrigins);
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    // Most calls come from no browser: with any origin allowed, such a call needs nothing, and the
    // path is not even looked at (this hook runs on every request).
    if (origin === undefined && anyOrigin) return done();
    if (!isClientApiPath(request.url)) return done();
    if (!anyOrigin) reply.raw.setHeader('vary', 'Origin');
    if (origin === undefined) return done();
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!anyOrigin && !origins.has(origin)) {
      if (preflight) reply.code(403).send();
      else done();
      return;
    }
    reply.raw.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
    if (!preflight) {
      reply.raw.setHeader('access-control-expose-headers', exposedHeaders);
      return done();
    }
    const requested = request.headers['access-control-request-headers'];
    if (
      requested !== undefined &&
      requested.length <= maxEchoedHeadersLength &&
      headerNameList.test(requested.trim())
    ) {
      reply.header('access-control-allow-headers', requested.trim());
    }
    reply
      .code(204)
      .header('access-control-allow-methods', allowedMethods)
      .header('access-control-max-age', preflightMaxAgeSeconds)
      .send();
  });
}
