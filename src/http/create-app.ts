import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import type { RelayContext } from '../relay/relay-call.js';
import type { ImageStore } from '../storage/create-image-store.js';
import type { MediaFetcher } from '../upstream/fetch-media.js';
import { type AdminKeyRouteOptions, adminKeyRoutes } from './admin-key-routes.js';
import { createTokenChecker } from './client-auth.js';
import { DebugRequestLog } from './debug-request-log.js';
import { createGeminiHandlers, geminiRoutes, sendGeminiError } from './gemini-routes.js';
import { sendOpenAIError } from './openai-chat.js';
import { openaiPassthroughRoutes } from './openai-passthrough-routes.js';
import { openaiRoutes } from './openai-routes.js';
import { streamOptimizerSettings } from './stream-optimizer-settings.js';

export interface AppOptions {
  readonly logger: FastifyBaseLogger;
  readonly settings: Settings;
  readonly relay: RelayContext;
  /** ALLOWED_TOKENS plus AUTH_TOKEN. */
  readonly clientTokens: readonly string[];
  readonly log: LogSink;
  readonly clock: Clock;
  readonly keyAdmin: AdminKeyRouteOptions;
  readonly imageStore: ImageStore;
  readonly mediaFetcher: MediaFetcher;
}

// Inline images, audio and PDFs travel base64-encoded inside the JSON body; Google accepts
// requests up to about 20 MB inline, and larger ones through the Files API.
const bodyLimitBytes = 64 * 1024 * 1024;

/** Paths of the OpenAI API, whose clients read errors in OpenAI's shape. */
const isOpenAIPath = (url: string) => /^\/(hf\/v1|openai\/v1|v1\/(chat|embeddings|images|audio))/.test(url);

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
  const sendError = (url: string, reply: FastifyReply, status: number, message: string) => {
    if (url.startsWith('/api/')) return reply.code(status).send({ error: { code: status, message } });
    if (isOpenAIPath(url)) return sendOpenAIError(reply, status, message);
    return sendGeminiError(reply, status, message);
  };
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

  // Images the gateway generated, by unguessable id: the URL is the permission, so browsers and
  // chat clients can show them without a token.
  app.get<{ Params: { id: string } }>('/images/:id', async (request, reply) => {
    const image = options.imageStore.get(request.params.id);
    if (!image)
      return reply
        .code(404)
        .send({ error: { code: 404, message: 'No such image (they are kept one hour).' } });
    return reply
      .header('content-type', image.mimeType)
      .header('cache-control', 'private, max-age=3600')
      .send(image.bytes);
  });

  const checkToken = createTokenChecker(options.clientTokens);
  const settings = options.settings;
  const geminiOptions = {
    relay: options.relay,
    features: {
      searchModels: settings.SEARCH_MODELS,
      imageModels: settings.IMAGE_MODELS,
      thinkingModels: settings.THINKING_MODELS,
      thinkingBudgetMap: settings.THINKING_BUDGET_MAP,
      safetySettings: settings.SAFETY_SETTINGS,
      codeExecution: settings.TOOLS_CODE_EXECUTION_ENABLED,
      urlContextModels: settings.URL_CONTEXT_ENABLED ? settings.URL_CONTEXT_MODELS : [],
    },
    fakeStreamIntervalSeconds: settings.FAKE_STREAM_ENABLED
      ? settings.FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS
      : undefined,
    optimizer: streamOptimizerSettings(settings),
    checkToken,
    authToken: options.keyAdmin.authToken,
    hiddenModels: new Set(options.settings.FILTERED_MODELS),
    log: options.log,
    clock: options.clock,
  };
  await app.register(adminKeyRoutes, options.keyAdmin);
  await app.register(geminiRoutes, geminiOptions);
  await app.register(openaiPassthroughRoutes, {
    relay: options.relay,
    checkToken,
    log: options.log,
    clock: options.clock,
  });
  await app.register(openaiRoutes, {
    relay: options.relay,
    settings: options.settings,
    imageStore: options.imageStore,
    mediaFetcher: options.mediaFetcher,
    log: options.log,
    clock: options.clock,
    checkToken,
    gemini: createGeminiHandlers(geminiOptions),
  });
  return app;
}
