import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { AdminToken } from '../core/admin-token.js';
import type { Clock } from '../core/clock.js';
import type { LeasedVersions } from '../core/leased-versions.js';
import type { PinnedResourceStore } from '../core/pinned-resource-store.js';
import type { SpeechEncoder } from '../media/create-speech-encoder.js';
import { createModelMap } from '../protocols/anthropic/map-model.js';
import type { RelayContext } from '../relay/relay-call.js';
import type { ImageStore } from '../storage/create-image-store.js';
import type { ImageUploader } from '../upstream/create-image-uploader.js';
import type { MediaFetcher } from '../upstream/fetch-media.js';
import type { AnthropicRouteOptions } from './anthropic-routes.js';
import { createTokenChecker } from './client-auth.js';
import { createGeminiHandlers, type GeminiHandlers, type GeminiRouteOptions } from './gemini-routes.js';
import type { OpenStreams } from './open-streams.js';
import type { PassthroughOptions } from './openai-passthrough-routes.js';
import type { OpenAIRouteOptions } from './openai-routes.js';
import { streamPolicyOf } from './stream-policy.js';

/** What the client routes need that no setting changes. */
export interface RouteStatics {
  /** The admin token: a client token too, and the only one that may pin a request to a key. */
  readonly admin: AdminToken;
  readonly clock: Clock;
  readonly imageStore: ImageStore;
  readonly openStreams: OpenStreams;
  /** Files and cached contents, and the key each lives with (the shared database). */
  readonly pins: PinnedResourceStore;
  /** ffmpeg for audio/speech (FFMPEG_PATH, read at start). */
  readonly speechEncoder: SpeechEncoder;
}

/** The client routes' options for one version of the settings, derived once per version. */
export interface RouteOptions {
  readonly gemini: GeminiRouteOptions;
  readonly geminiHandlers: GeminiHandlers;
  readonly openai: OpenAIRouteOptions;
  readonly passthrough: PassthroughOptions;
  readonly anthropic: AnthropicRouteOptions;
}

/** The relays of one version: the pool's, and the one of images (PAID_KEY's when set). */
export interface RouteRelays {
  readonly relay: RelayContext;
  readonly imageRelay: RelayContext;
}

/** The settings' view for the routes: small option objects, so each request only picks them up. */
export function deriveRouteOptions(
  settings: Settings,
  { relay, imageRelay }: RouteRelays,
  mediaFetcher: MediaFetcher,
  statics: RouteStatics,
  /** The bucket generated images are uploaded to (UPLOAD_PROVIDER s3, aliyun_oss); none for local. */
  imageUploader?: ImageUploader,
): RouteOptions {
  const { admin, clock, openStreams } = statics;
  const checkToken = createTokenChecker(settings.ALLOWED_TOKENS, settings.AUTH_TOKEN, admin);
  const policy = streamPolicyOf(settings);
  const gemini: GeminiRouteOptions = {
    relay,
    features: {
      searchModels: settings.SEARCH_MODELS,
      imageModels: settings.IMAGE_MODELS,
      thinkingModels: settings.THINKING_MODELS,
      thinkingBudgetMap: settings.THINKING_BUDGET_MAP,
      showThinking: settings.SHOW_THINKING_PROCESS,
      safetySettings: settings.SAFETY_SETTINGS,
      codeExecution: settings.TOOLS_CODE_EXECUTION_ENABLED,
      urlContextModels: settings.URL_CONTEXT_ENABLED ? settings.URL_CONTEXT_MODELS : [],
    },
    policy,
    checkToken,
    admin,
    hiddenModels: new Set(settings.FILTERED_MODELS),
    openStreams,
    pins: statics.pins,
    filesIsolated: settings.FILES_USER_ISOLATION_ENABLED,
  };
  const geminiHandlers = createGeminiHandlers(gemini);
  const openai: OpenAIRouteOptions = {
    relay,
    imageRelay,
    settings,
    imageStore: statics.imageStore,
    ...(imageUploader ? { imageUploader } : {}),
    mediaFetcher,
    clock,
    openStreams,
    policy,
    checkToken,
    gemini: geminiHandlers,
    pins: statics.pins,
    speechEncoder: statics.speechEncoder,
  };
  return {
    gemini,
    geminiHandlers,
    passthrough: { relay, imageRelay, checkToken, openStreams, openai },
    openai,
    anthropic: { ...openai, mapModel: createModelMap(settings.ANTHROPIC_MODEL_MAP) },
  };
}

// The route options a request holds, on the request itself: one property read per use.
const property = 'gemgateRouteOptions';
type Holder = { [property]: RouteOptions };

/**
 * Each request takes the route options in force as it arrives and keeps them to its end, so one
 * request sees one version of the settings; the version is released when the response closes,
 * which lets a replaced upstream client finish its calls before it is closed.
 */
export function holdRouteOptions(app: FastifyInstance, versions: LeasedVersions<RouteOptions>): void {
  app.decorateRequest(property, null);
  // A callback-style hook: an async one costs a promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    const lease = versions.acquire();
    (request as unknown as Holder)[property] = lease.value;
    // A connection the client already dropped will not close again.
    if (reply.raw.closed) lease.release();
    else reply.raw.once('close', lease.release);
    done();
  });
}

/** The route options the request took as it arrived (see holdRouteOptions). */
export function routeOptionsOf(request: FastifyRequest): RouteOptions {
  return (request as unknown as Holder)[property];
}
