import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { LeasedVersions } from '../core/leased-versions.js';
import { redactedPath } from '../core/redact-url.js';
import { servedImageType } from '../core/served-image-type.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import { maxModelNameLength } from '../protocols/gemini/model-name-problem.js';
import { createOpenAIErrorBody } from '../protocols/openai/openai-error.js';
import type { ImageStore } from '../storage/create-image-store.js';
import { addCorsHook } from './add-cors-hook.js';
import { type AdminConfigRouteOptions, adminConfigRoutes } from './admin-config-routes.js';
import { type AdminKeyRouteOptions, adminKeyRoutes } from './admin-key-routes.js';
import { authRoutes } from './auth-routes.js';
import type { ConsoleFiles } from './console-files.js';
import { consoleRoutes } from './console-routes.js';
import { DebugRequestLog } from './debug-request-log.js';
import { geminiRoutes } from './gemini-routes.js';
import { healthRoute } from './health-route.js';
import { type LogRouteOptions, logRoutes } from './log-routes.js';
import { type MetricsRouteOptions, metricsRoute } from './metrics-route.js';
import { sendOpenAIError } from './openai-chat.js';
import { openaiPassthroughRoutes } from './openai-passthrough-routes.js';
import { openaiRoutes } from './openai-routes.js';
import { guardOperatorApi, type OperatorAuth, sendAdminError } from './operator-auth.js';
import { poolRoutes } from './pool-routes.js';
import { type ProxyRouteOptions, proxyRoutes } from './proxy-routes.js';
import { declareRequestClient } from './request-client.js';
import { holdRouteOptions, type RouteOptions, routeOptionsOf } from './route-options.js';
import { isSeedOperatorPath, type SeedKeyRouteOptions, seedKeyRoutes } from './seed-key-routes.js';
import { sendGeminiError } from './send-gemini-error.js';
import { type StatsRouteOptions, statsRoutes } from './stats-routes.js';

export interface AppOptions {
  readonly logger: FastifyBaseLogger;
  /** The settings at start, for what is set up once (CORS). */
  readonly settings: Settings;
  /** The client routes' options for the settings in force; each request holds the version it took. */
  readonly routeOptions: LeasedVersions<RouteOptions>;
  readonly keyAdmin: AdminKeyRouteOptions;
  /** gemini-balance's key maintenance routes (verify-key, keys/list, ...), for the admin token. */
  readonly seedKeys: Omit<SeedKeyRouteOptions, 'auth'>;
  readonly config: AdminConfigRouteOptions;
  readonly operatorAuth: OperatorAuth;
  readonly logs: LogRouteOptions;
  readonly stats: StatsRouteOptions;
  /** `GET /api/proxies`, `POST /api/proxies/check`. */
  readonly proxies: ProxyRouteOptions;
  readonly imageStore: ImageStore;
  readonly consoleFiles: ConsoleFiles;
  /** `GET /metrics` for the admin token; absent when METRICS_PORT serves it instead. */
  readonly metrics?: MetricsRouteOptions;
}

// Inline images, audio and PDFs travel base64-encoded inside the JSON body; Google accepts
// requests up to about 20 MB inline, and larger ones through the Files API.
const bodyLimitBytes = 64 * 1024 * 1024;

/** Paths of the OpenAI API, whose clients read errors in OpenAI's shape. */
// Under /v1 only the model paths are Gemini's too (`/v1/models/{model}:{method}`, and the model list
// both APIs share); any other /v1 path, known or not, is OpenAI's.
const isOpenAIPath = (url: string) => /^\/(hf\/v1|openai\/v1|v1\/(?!models(?:[/?:]|$)))/.test(url);

/** The operator's paths: its API, and gemini-balance's key routes under the client prefixes. */
const isOperatorPath = (url: string) => url.startsWith('/api/') || isSeedOperatorPath(url);

/** The error body clients of the API at `url` read: operator API, OpenAI's, or Gemini's (the default). */
function errorBodyFor(url: string | undefined, status: number, message: string): object {
  if (url !== undefined && isOperatorPath(url)) return { error: { code: status, message } };
  if (url !== undefined && isOpenAIPath(url)) return createOpenAIErrorBody(status, message);
  return createGeminiErrorBody(status, message);
}

// Errors Fastify raises itself (a body too large, a malformed request) and unknown routes get the
// error shape of the API the client was calling.
function sendError(url: string, reply: FastifyReply, status: number, message: string) {
  if (isOperatorPath(url)) return reply.code(status).send(errorBodyFor(url, status, message));
  if (isOpenAIPath(url)) return sendOpenAIError(reply, status, message);
  return sendGeminiError(reply, status, message);
}

// Route parameters are model names (with `:method`), key ids and image ids: room for the longest
// model name the gateway relays. A longer one is refused by the router itself (frameworkErrors).
const maxParamLength = maxModelNameLength + 64;

/** The router's own refusals (bad percent-encoding, an over-long path segment), in the API's shape. */
function sendRouterError(error: { code?: string }, url: string, reply: FastifyReply) {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? `A path segment is longer than ${maxParamLength} characters (model names are at most ${maxModelNameLength}).`
      : 'The URL is not valid: it has malformed percent-encoding.';
  return sendError(url, reply, 400, message);
}

/** The path a request's first line names, when the bytes Node could not parse begin with it. */
function requestLineUrl(packet: unknown): string | undefined {
  if (!Buffer.isBuffer(packet)) return undefined;
  return /^[A-Z]{3,10} (\/\S*) HTTP\/1\.[01]\r?\n/.exec(packet.subarray(0, 8192).toString('latin1'))?.[1];
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over 16 KiB, an invalid
 * Content-Length, broken framing, a request that took too long to arrive): a JSON error in the
 * shape of the API the request line names, Gemini's when it names none, then the connection closes.
 */
function writeClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message]: [number, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than 16 KiB.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, 'The request is not valid HTTP/1.1.'];
  const body = JSON.stringify(errorBodyFor(requestLineUrl(error.rawPacket), status, message));
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  } else {
    socket.destroy();
  }
}

export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new DebugRequestLog(),
    bodyLimit: bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // request.ip (the sign-in throttle's key) is the client's only behind a proxy named here;
    // otherwise X-Forwarded-For is anyone's to write and is ignored.
    trustProxy: options.settings.TRUSTED_PROXIES.length > 0 ? [...options.settings.TRUSTED_PROXIES] : false,
    routerOptions: { maxParamLength },
    frameworkErrors: (error, request, reply) => sendRouterError(error, request.url, reply),
    clientErrorHandler: writeClientError,
  });
  // First of all hooks: a preflight is answered before any route's authentication.
  addCorsHook(app, options.settings.CORS_ALLOWED_ORIGINS);

  // Bodies stay raw bytes: the native relay forwards them unchanged, whatever type the client
  // declared (curl's -d sends form-urlencoded).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

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
  app.setNotFoundHandler((request, reply) => {
    const message = `No route for ${request.method} ${redactedPath(request.url)}.`;
    // An unknown OpenAI path is not an unknown model: `model_not_found` would send clients looking
    // for the wrong mistake.
    if (isOpenAIPath(request.url)) return sendOpenAIError(reply, 404, message, null, 'unknown_url');
    return sendError(request.url, reply, 404, message);
  });

  await app.register(healthRoute, { pool: options.keyAdmin.pool, admin: options.operatorAuth.admin });

  // Images the gateway generated, by unguessable id: the URL is the permission, so browsers and
  // chat clients can show them without a token. Only raster images are served as images: this is
  // the console's origin, and the type came from the upstream.
  app.get<{ Params: { id: string } }>('/images/:id', async (request, reply) => {
    const image = options.imageStore.get(request.params.id);
    if (!image)
      return reply
        .code(404)
        .send({ error: { code: 404, message: 'No such image (they are kept one hour).' } });
    return reply
      .header('content-type', servedImageType(image.mimeType).contentType)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=3600')
      .send(image.bytes);
  });

  await app.register(consoleRoutes, { files: options.consoleFiles });

  // The operator API: every route behind one guard, unknown ones too, so that an outsider learns
  // nothing of which exist. /metrics is the operator's too (a Prometheus sends the admin token).
  await app.register(async (operatorApi) => {
    guardOperatorApi(operatorApi, options.operatorAuth);
    await operatorApi.register(authRoutes, options.operatorAuth);
    await operatorApi.register(adminKeyRoutes, options.keyAdmin);
    await operatorApi.register(adminConfigRoutes, options.config);
    await operatorApi.register(logRoutes, options.logs);
    await operatorApi.register(statsRoutes, options.stats);
    await operatorApi.register(poolRoutes, { pool: options.keyAdmin.pool, clock: options.keyAdmin.clock });
    await operatorApi.register(proxyRoutes, options.proxies);
    if (options.metrics) await operatorApi.register(metricsRoute, options.metrics);
    operatorApi.all('/api/*', (request, reply) =>
      sendAdminError(reply, 404, `No route for ${request.method} ${redactedPath(request.url)}.`),
    );
  });
  await app.register(seedKeyRoutes, { ...options.seedKeys, auth: options.operatorAuth });
  // The client APIs: each request takes the version of the settings in force as it arrives.
  await app.register(async (clientApis) => {
    holdRouteOptions(clientApis, options.routeOptions);
    declareRequestClient(clientApis);
    await clientApis.register(geminiRoutes, { optionsOf: routeOptionsOf });
    await clientApis.register(openaiPassthroughRoutes, {
      optionsOf: (request) => routeOptionsOf(request).passthrough,
    });
    await clientApis.register(openaiRoutes, { optionsOf: (request) => routeOptionsOf(request).openai });
  });
  return app;
}
