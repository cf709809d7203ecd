import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AdminToken, isAdminToken } from '../core/admin-token.js';
import { defaultKeyKind, type KeyKind } from '../core/key-kind.js';
import type { PinnedResourceStore } from '../core/pinned-resource-store.js';
import { adjustNativeRequest, type NativeFeatures } from '../protocols/gemini/adjust-native-request.js';
import {
  adjustModelList,
  parseModelTarget,
  renameModel,
  upstreamQuery,
} from '../protocols/gemini/gemini-paths.js';
import { modelNameProblem } from '../protocols/gemini/model-name-problem.js';
import {
  createNativeSurface,
  looksLikeJsonObject,
  type NativeSurfaceOptions,
} from '../protocols/gemini/native-surface.js';
import { resolveModel } from '../protocols/gemini/resolve-model.js';
import type { RelayCall, RelayContext } from '../relay/relay-call.js';
import { runGeneration, type StreamPolicy } from '../relay/run-generation.js';
import { extractGeminiToken, type TokenCheck } from './client-auth.js';
import { createClientChannel } from './create-client-channel.js';
import { geminiCacheRoutes } from './gemini-cache-routes.js';
import { geminiFileRoutes } from './gemini-file-routes.js';
import type { OpenStreams } from './open-streams.js';
import { pinOfRequest } from './pinned-resource-calls.js';
import { rememberClient } from './request-client.js';
import { sendGeminiError, sendNotJsonObject } from './send-gemini-error.js';

export interface GeminiRouteOptions {
  readonly relay: RelayContext;
  /** The seed's model features, added where the client said nothing. */
  readonly features: NativeFeatures;
  /** FAKE_STREAM_* and STREAM_OPTIMIZER_*. */
  readonly policy: StreamPolicy;
  readonly checkToken: (token: string | undefined) => TokenCheck;
  /** The admin token: only it may pin a request to a key with `x-gemgate-key-id`. */
  readonly admin: AdminToken;
  readonly hiddenModels: ReadonlySet<string>;
  readonly openStreams: OpenStreams;
  /** Files and cached contents, and the key each lives with. */
  readonly pins: PinnedResourceStore;
  /** FILES_USER_ISOLATION_ENABLED: a client sees and uses only the files it uploaded. */
  readonly filesIsolated: boolean;
}

/** Client-facing prefixes and the API version each one speaks upstream. */
const prefixes = [
  ['/v1beta', 'v1beta'],
  ['/gemini/v1beta', 'v1beta'],
  ['/v1', 'v1'],
  ['/gemini/v1', 'v1'],
] as const;

/** Lets an operator send a request with one given key (by id), to check that key end to end. */
const pinHeader = 'x-gemgate-key-id';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export interface GeminiHandlers {
  listModels(version: string): Handler;
  getModel(version: string): Handler;
  /** A model call served by keys of `kind`: Vertex AI express keys under /vertex-express. */
  callModel(version: string, kind?: KeyKind): Handler;
}

/**
 * Vertex AI express keys serve the native API's model calls under this prefix (the seed's), each
 * through the endpoint of its kind; the model list and a model's entry are the Gemini API's, read
 * with an AI Studio key, since Vertex AI's express mode lists no models.
 */
const vertexPrefix = '/vertex-express/v1beta';

/** Sends a missing or wrong client token's refusal in Gemini's shape; true when the token is good. */
export function checkGeminiToken(
  options: Pick<GeminiRouteOptions, 'checkToken'>,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  const check = options.checkToken(extractGeminiToken(request));
  if (typeof check === 'object') {
    rememberClient(request, check);
    return true;
  }
  if (check === 'missing') {
    sendGeminiError(
      reply,
      401,
      'Method requires an API key: pass your gemgate token in the x-goog-api-key header, the key query parameter or an Authorization: Bearer header.',
    );
  } else {
    sendGeminiError(reply, 403, 'The API key (gemgate token) is not valid.');
  }
  return false;
}

/** The native Gemini API's handlers, relayed through the key pool with the client's body untouched. */
export function createGeminiHandlers(options: GeminiRouteOptions): GeminiHandlers {
  /** Runs one call through the pipeline, answering in Google's own framing. */
  async function send(
    request: FastifyRequest,
    reply: FastifyReply,
    call: Omit<RelayCall, 'signal'>,
    surface: Omit<NativeSurfaceOptions, 'sse'> = {},
  ): Promise<FastifyReply> {
    const pin = request.headers[pinHeader];
    if (typeof pin === 'string') {
      if (!isAdminToken(options.admin, extractGeminiToken(request))) {
        return sendGeminiError(reply, 403, `Only the admin token may pin a request to a key (${pinHeader}).`);
      }
      call = { ...call, pinKeyId: pin };
    }
    const sse = (request.query as { alt?: string }).alt === 'sse';
    await runGeneration(options.relay, {
      call,
      surface: createNativeSurface({ sse, ...surface }),
      channel: createClientChannel(reply, options.openStreams),
      policy: options.policy,
    });
    return reply;
  }

  return {
    listModels: (version) => (request, reply) =>
      send(
        request,
        reply,
        {
          route: 'gemini models.list',
          model: null,
          request: { method: 'GET', path: `/${version}/models`, query: upstreamQuery(request.url) },
          stream: false,
        },
        { transform: (body) => adjustModelList(body, options.hiddenModels, options.features) },
      ),
    getModel: (version) => async (request, reply) => {
      const model = (request.params as { model: string }).model;
      const problem = modelNameProblem(model);
      if (problem) return sendGeminiError(reply, 400, problem);
      // A derived name (`-search`, ...) is its model's entry under the derived name, as the list shows it.
      const base = resolveModel(model, options.features).model;
      return send(
        request,
        reply,
        {
          route: 'gemini models.get',
          model: null,
          request: {
            method: 'GET',
            path: `/${version}/models/${encodeURIComponent(base)}`,
            query: upstreamQuery(request.url),
          },
          stream: false,
        },
        base === model ? {} : { transform: (body) => renameModel(body, model, options.features) },
      );
    },
    callModel:
      (version, kind = defaultKeyKind) =>
      async (request, reply) => {
        const vertex = kind === 'vertex-express';
        const targetText = (request.params as { target: string }).target;
        const target = parseModelTarget(targetText);
        if (!target)
          return sendGeminiError(reply, 404, `Expected models/{model}:{method}, got models/${targetText}.`);
        // The method goes into the upstream path as it is: letters only, so that no `/`, `?` or `..`
        // can steer the call, and the pool's key, to another of Google's resources.
        if (!/^[A-Za-z]+$/.test(target.method))
          return sendGeminiError(
            reply,
            404,
            'Expected models/{model}:{method}, a method name of letters only.',
          );
        const nameProblem = modelNameProblem(target.model);
        if (nameProblem) return sendGeminiError(reply, 400, nameProblem);
        // Google answers anything but a JSON object with a 400; catching the obvious cases here spares
        // an upstream call. A full parse is left to Google.
        const body = request.body;
        if (!looksLikeJsonObject(body)) return sendNotJsonObject(reply);
        const generates = target.method === 'generateContent' || target.method === 'streamGenerateContent';
        const adjusted = generates ? adjustNativeRequest(target.model, body, options.features) : undefined;
        if (adjusted?.problem) return sendGeminiError(reply, 400, adjusted.problem);
        const model = adjusted?.choice.model ?? target.model;
        // Files and cached contents live with AI Studio keys: Vertex AI's express mode has neither,
        // so a name in a Vertex request is for Vertex AI to refuse, not a key to pin to.
        const pin = vertex ? undefined : await pinOfRequest(options, request, reply, body);
        if (pin === null) return reply;
        return send(
          request,
          reply,
          {
            route: `${vertex ? 'vertex' : 'gemini'} ${target.method}`,
            model,
            ...(pin === undefined ? {} : { pinKeyId: pin }),
            ...(vertex ? { keyKind: kind } : {}),
            request: {
              method: 'POST',
              path: `/${version}/models/${encodeURIComponent(model)}:${target.method}`,
              query: upstreamQuery(request.url),
              body: adjusted?.body ?? body,
            },
            stream: target.method === 'streamGenerateContent',
          },
          { generates },
        );
      },
  };
}

/** The native routes' options and handlers for one version of the settings. */
export interface GeminiVersion {
  readonly gemini: GeminiRouteOptions;
  readonly geminiHandlers: GeminiHandlers;
}

/**
 * The native Gemini routes; each request is served with the version of the settings it took as it
 * arrived (`optionsOf`). `GET /v1/models[/{id}]` is shared with the OpenAI API and registered by
 * the OpenAI routes, which hand Gemini-style requests to these handlers.
 */
export async function geminiRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => GeminiVersion },
): Promise<void> {
  // A callback-style hook: an async one costs a promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    if (checkGeminiToken(optionsOf(request).gemini, request, reply)) done();
  });
  for (const [prefix, version] of prefixes) {
    if (prefix !== '/v1') {
      app.get(`${prefix}/models`, (request, reply) =>
        optionsOf(request).geminiHandlers.listModels(version)(request, reply),
      );
      app.get(`${prefix}/models/:model`, (request, reply) =>
        optionsOf(request).geminiHandlers.getModel(version)(request, reply),
      );
    }
    app.post(`${prefix}/models/:target`, (request, reply) =>
      optionsOf(request).geminiHandlers.callModel(version)(request, reply),
    );
  }
  app.get(`${vertexPrefix}/models`, (request, reply) =>
    optionsOf(request).geminiHandlers.listModels('v1beta')(request, reply),
  );
  app.get(`${vertexPrefix}/models/:model`, (request, reply) =>
    optionsOf(request).geminiHandlers.getModel('v1beta')(request, reply),
  );
  app.post(`${vertexPrefix}/models/:target`, (request, reply) =>
    optionsOf(request).geminiHandlers.callModel('v1beta', 'vertex-express')(request, reply),
  );
  await geminiCacheRoutes(app, { optionsOf });
  // In a context of their own (their bytes are not parsed), behind the same token check.
  await app.register(geminiFileRoutes, { optionsOf });
}
