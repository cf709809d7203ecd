import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleFile, ConsoleFiles } from './console-files.js';

export interface ConsoleRouteOptions {
  readonly files: ConsoleFiles;
}

/** The console's pages: the seed's paths, so operators' bookmarks keep working. */
export const consolePages = ['/', '/keys', '/config', '/logs'] as const;

// The page loads only its own files and talks only to its own origin; no other site may frame it
// (the console changes keys and settings on a click).
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The copy the browser accepts: Brotli, else gzip, else the file itself. */
function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile) {
  const accepted = request.headers['accept-encoding'] ?? '';
  reply.header('content-type', file.type).header('vary', 'accept-encoding').header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  if (file.br && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(file.br);
  if (file.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.bytes);
}

/**
 * The admin console (web/, built into dist/web): its pages answer the app's HTML, revalidated on
 * every load; its assets are named by their content's hash and cached for a year. The HTML holds
 * no secret: what the console shows comes from the operator API behind sign-in.
 */
export async function consoleRoutes(app: FastifyInstance, { files }: ConsoleRouteOptions): Promise<void> {
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const index = files?.get('/index.html');
    if (!index)
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build` (or `npm start`, which builds it).\n');
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
    return send(request, reply, index);
  };
  for (const path of consolePages) app.get(path, page);

  const asset = (cacheControl: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const file = files?.get(path);
    if (!file) return reply.code(404).send({ error: { code: 404, message: `No console file ${path}.` } });
    reply.header('cache-control', cacheControl).header('x-content-type-options', 'nosniff');
    return send(request, reply, file);
  };
  // Hashed names: a new build has new names, so a cached file is never stale.
  app.get('/assets/*', asset('public, max-age=31536000, immutable'));
  app.get('/favicon.svg', asset('public, max-age=86400'));
}
