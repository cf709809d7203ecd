import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import type { RelayContext } from '../relay/relay-call.js';
import { type AdminKeyRouteOptions, adminKeyRoutes } from './admin-key-routes.js';
import { createTokenChecker } from './client-auth.js';
import { DebugRequestLog } from './debug-request-log.js';
import { geminiRoutes, sendGeminiError } from './gemini-routes.js';

export interface AppOptions {
  readonly logger: FastifyBaseLogger;
  readonly relay: RelayContext;
  /** ALLOWED_TOKENS plus AUTH_TOKEN. */
  readonly clientTokens: readonly string[];
  readonly hiddenModels: readonly string[];
  readonly log: LogSink;
  readonly clock: Clock;
  readonly keyAdmin: AdminKeyRouteOptions;
}

// Inline images, audio and PDFs travel base64-encoded inside the JSON body; Google accepts
// requests up to about 20 MB inline, and larger ones through the Files API.
const bodyLimitBytes = 64 * 1024 * 1024;

export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new DebugRequestLog(),
    bodyLimit: bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // Bodies stay raw bytes: the native relay forwards them unchanged, whatever type the client
  // declared (curl's -d sends form-urlencoded).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Errors Fastify raises itself (a body too large, a malformed request) and unknown routes get the
  // error shape of the API the client was calling.
  const sendError = (url: string, reply: FastifyReply, status: number, message: string) =>
    url.startsWith('/api/')
      ? reply.code(status).send({ error: { code: status, message } })
      : sendGeminiError(reply, status, message);
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      status === 413
        ? `Request body larger than ${bodyLimitBytes / 1024 / 1024} MiB.`
        : status >= 500
          ? 'Internal gateway error.'
          : error.message;
    return sendError(request.url, reply, status, message);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request.url, reply, 404, `No route for ${request.method} ${request.url.split('?')[0]}.`),
  );

  app.get('/health', async () => ({
    status: 'ok',
    keys: { configured: options.relay.pool.size, usable: options.relay.pool.usableCount() },
  }));

  await app.register(adminKeyRoutes, options.keyAdmin);
  await app.register(geminiRoutes, {
    relay: options.relay,
    checkToken: createTokenChecker(options.clientTokens),
    authToken: options.keyAdmin.authToken,
    hiddenModels: new Set(options.hiddenModels),
    log: options.log,
    clock: options.clock,
  });
  return app;
}
