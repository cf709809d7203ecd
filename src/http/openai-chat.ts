import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Clock } from '../core/clock.js';
import type { PinnedResourceStore } from '../core/pinned-resource-store.js';
import { randomId } from '../core/random-id.js';
import type { GeminiInlineData, GeminiRequest } from '../protocols/gemini/gemini-types.js';
import type { PublishImage } from '../protocols/gemini/publish-chunk-images.js';
import { resolveModel } from '../protocols/gemini/resolve-model.js';
import type { GenerationSurface } from '../protocols/generation-surface.js';
import { createChatSurface } from '../protocols/openai/chat-surface.js';
import { checkChatRequest } from '../protocols/openai/check-chat-request.js';
import { convertChatToImageRequest } from '../protocols/openai/convert-chat-to-image-request.js';
import {
  convertGeminiImageRequest,
  convertImagenRequest,
} from '../protocols/openai/convert-media-requests.js';
import {
  type ChatConversionOptions,
  convertToGeminiRequest,
  mediaUrlsOf,
} from '../protocols/openai/convert-to-gemini-request.js';
import { decodePredictAnswer } from '../protocols/openai/decode-predict-answer.js';
import type { ChatStreamContext } from '../protocols/openai/encode-chat-chunks.js';
import { imageChatModelOf, isImagenModel } from '../protocols/openai/image-models.js';
import {
  convertGeminiErrorToOpenAI,
  createOpenAIErrorBody,
  OpenAIRequestError,
} from '../protocols/openai/openai-error.js';
import type { OpenAIChatRequest } from '../protocols/openai/openai-types.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import type { RelayContext, RelayResult } from '../relay/relay-call.js';
import { runGeneration, type StreamPolicy } from '../relay/run-generation.js';
import { MediaFetchError, type MediaFetcher } from '../upstream/fetch-media.js';
import { createClientChannel } from './create-client-channel.js';
import { type ImageLinks, linkImage } from './link-image.js';
import type { OpenStreams } from './open-streams.js';
import { clientIdOf, pinOf, resourcesNamedIn } from './pinned-resource-calls.js';

export type ChatSettings = Pick<
  Settings,
  | 'SEARCH_MODELS'
  | 'IMAGE_MODELS'
  | 'THINKING_MODELS'
  | 'THINKING_BUDGET_MAP'
  | 'SHOW_THINKING_PROCESS'
  | 'SHOW_SEARCH_LINK'
  | 'TOOLS_CODE_EXECUTION_ENABLED'
  | 'URL_CONTEXT_ENABLED'
  | 'URL_CONTEXT_MODELS'
  | 'SAFETY_SETTINGS'
  | 'PUBLIC_URL'
  | 'FILES_USER_ISOLATION_ENABLED'
  | 'CREATE_IMAGE_MODEL'
  | 'FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS'
>;

export interface OpenAIDependencies extends ImageLinks {
  readonly relay: RelayContext;
  /** For images/generations and the `-chat` image model: PAID_KEY's own when set, else `relay`. */
  readonly imageRelay: RelayContext;
  readonly settings: ChatSettings;
  readonly mediaFetcher: MediaFetcher;
  readonly clock: Clock;
  readonly openStreams: OpenStreams;
  /** FAKE_STREAM_* and STREAM_OPTIMIZER_*. */
  readonly policy: StreamPolicy;
  /** Files and cached contents, and the key each lives with (a `file_id` names one). */
  readonly pins: PinnedResourceStore;
}

const jsonType = 'application/json; charset=utf-8';

export function sendOpenAIError(
  reply: FastifyReply,
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
) {
  return reply
    .code(status)
    .header('content-type', jsonType)
    .send(createOpenAIErrorBody(status, message, param, code));
}

/** The OpenAI routes' errors in OpenAI's shape: a request's own (400) with its param, ours as a bare 500. */
export function sendOpenAIRouteError(
  error: Error & { statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof OpenAIRequestError)
    return sendOpenAIError(reply, error.status, error.message, error.param, error.code);
  if (error instanceof MediaFetchError)
    return sendOpenAIError(reply, 400, `image_url: ${error.message}`, 'messages');
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  return sendOpenAIError(reply, status, status >= 500 ? 'Internal gateway error.' : error.message);
}

/** A relay failure as the OpenAI client reads it: Google's status kept, Retry-After when known. */
export function sendRelayFailure(reply: FastifyReply, failure: Extract<RelayResult, { kind: 'failed' }>) {
  if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.retryAfterSeconds));
  return reply
    .code(failure.status)
    .header('content-type', jsonType)
    .send(convertGeminiErrorToOpenAI(failure.status, failure.error));
}

/** The JSON object a request carries, or an OpenAIRequestError. */
export function parseJsonBody(request: FastifyRequest): Record<string, unknown> {
  const parsed = parseJsonObject(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  if (parsed.ok) return parsed.value;
  throw new OpenAIRequestError(`We could not parse the JSON body of your request: it is ${parsed.problem}.`);
}

/** Where clients reach the gateway: PUBLIC_URL, else what the request (or its proxy) says. */
export function publicBaseUrl(request: FastifyRequest, configured: string): string {
  if (configured) return configured.replace(/\/+$/, '');
  const forwardedProto = String(request.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim();
  const forwardedHost = String(request.headers['x-forwarded-host'] ?? '')
    .split(',')[0]
    ?.trim();
  return `${forwardedProto || request.protocol}://${forwardedHost || request.headers.host}`;
}

/** The translation settings of a generation request (chat, Responses), its http(s) media fetched. */
export async function conversionOptionsOf(
  deps: OpenAIDependencies,
  model: string,
  mediaUrls: readonly string[],
): Promise<ChatConversionOptions> {
  const { settings } = deps;
  const choice = resolveModel(model, {
    searchModels: settings.SEARCH_MODELS,
    imageModels: settings.IMAGE_MODELS,
    thinkingModels: settings.THINKING_MODELS,
  });
  const media: Map<string, GeminiInlineData> =
    mediaUrls.length > 0 ? await deps.mediaFetcher.fetchAll(mediaUrls) : new Map();
  return {
    choice,
    thinkingBudgetMap: settings.THINKING_BUDGET_MAP,
    showThinking: settings.SHOW_THINKING_PROCESS,
    codeExecution: settings.TOOLS_CODE_EXECUTION_ENABLED,
    urlContext: settings.URL_CONTEXT_ENABLED && settings.URL_CONTEXT_MODELS.includes(choice.model),
    safetySettings: settings.SAFETY_SETTINGS,
    media,
  };
}

export interface TranslatedGeneration {
  /** The request log's route. */
  readonly route: string;
  /** The Gemini model called. */
  readonly model: string;
  readonly gemini: GeminiRequest;
  readonly stream: boolean;
  readonly surface: GenerationSurface;
  /** The request field a refused file is named under. */
  readonly mediaParam: string;
}

/** A request translated to Gemini, relayed through the pipeline; a file_id binds it to the key that holds the file. */
export async function relayTranslated(
  deps: OpenAIDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
  generation: TranslatedGeneration,
) {
  const pin = await pinOf(
    deps.pins,
    {
      nowMs: deps.clock.now(),
      clientId: clientIdOf(request),
      isolated: deps.settings.FILES_USER_ISOLATION_ENABLED,
    },
    resourcesNamedIn(generation.gemini),
  );
  if ('refusal' in pin)
    return sendOpenAIError(reply, pin.refusal.status, pin.refusal.message, generation.mediaParam);
  const { model, stream } = generation;
  const method = stream ? 'streamGenerateContent' : 'generateContent';
  await runGeneration(deps.relay, {
    call: {
      route: generation.route,
      model,
      request: {
        method: 'POST',
        path: `/v1beta/models/${encodeURIComponent(model)}:${method}`,
        query: stream ? 'alt=sse' : '',
        body: Buffer.from(JSON.stringify(generation.gemini)),
      },
      stream,
      ...(pin.keyId === undefined ? {} : { pinKeyId: pin.keyId }),
    },
    surface: generation.surface,
    channel: createClientChannel(reply, deps.openStreams),
    policy: deps.policy,
  });
  return reply;
}

/** What the chat surface needs besides the events: ids and the time. */
function chatContextOf(deps: OpenAIDependencies, body: OpenAIChatRequest): ChatStreamContext {
  return {
    id: `chatcmpl-${randomId()}`,
    created: Math.floor(deps.clock.now() / 1000),
    model: body.model,
    newId: () => randomId(),
    showSearchLink: deps.settings.SHOW_SEARCH_LINK,
    includeUsage: body.stream_options?.include_usage === true,
  };
}

/** Where an answer's images are linked: the bucket (UPLOAD_PROVIDER), or the gateway's own URL. */
export function imagePublisherOf(
  deps: ImageLinks & { readonly settings: Pick<Settings, 'PUBLIC_URL'> },
  request: FastifyRequest,
): PublishImage {
  // Only an answer with images the gateway serves needs its public address.
  let base: string | undefined;
  const gatewayBase = () => (base ??= publicBaseUrl(request, deps.settings.PUBLIC_URL));
  return (image) => linkImage(deps, image, gatewayBase);
}

/** POST /v1/chat/completions: OpenAI's chat API over Gemini, through the key pool. */
export async function handleChatCompletion(
  deps: OpenAIDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const { settings } = deps;
  const body = checkChatRequest(parseJsonBody(request));
  const context = chatContextOf(deps, body);
  const publishImage = imagePublisherOf(deps, request);
  // As /openai/v1 reads it: a `models/` prefix names the same model.
  if (body.model.replace(/^models\//, '') === imageChatModelOf(settings.CREATE_IMAGE_MODEL))
    return drawChat(deps, reply, body, context, publishImage);
  const options = await conversionOptionsOf(deps, body.model, mediaUrlsOf(body));
  return relayTranslated(deps, request, reply, {
    route: 'openai chat.completions',
    model: options.choice.model,
    gemini: convertToGeminiRequest(body, options),
    stream: body.stream === true,
    surface: createChatSurface(context, { publishImage }),
    mediaParam: 'messages',
  });
}

/**
 * The `{CREATE_IMAGE_MODEL}-chat` model: the last user message drawn by CREATE_IMAGE_MODEL (with
 * PAID_KEY when set), answered as a chat completion whose content shows each image as Markdown,
 * as the chat shows a Gemini model's images. Images come whole, so a stream is the whole answer
 * behind keep-alives (FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS apart), as a fake stream sends it.
 */
async function drawChat(
  deps: OpenAIDependencies,
  reply: FastifyReply,
  body: OpenAIChatRequest,
  context: ChatStreamContext,
  publishImage: PublishImage,
) {
  const model = deps.settings.CREATE_IMAGE_MODEL;
  const imageRequest = convertChatToImageRequest(body);
  const imagen = isImagenModel(model);
  const payload = imagen ? convertImagenRequest(imageRequest) : convertGeminiImageRequest(imageRequest);
  await runGeneration(deps.imageRelay, {
    call: {
      route: 'openai chat.completions',
      model,
      request: {
        method: 'POST',
        path: `/v1beta/models/${encodeURIComponent(model)}:${imagen ? 'predict' : 'generateContent'}`,
        query: '',
        body: Buffer.from(JSON.stringify(payload)),
      },
      stream: body.stream === true,
    },
    surface: createChatSurface(
      context,
      imagen ? { publishImage, decode: decodePredictAnswer } : { publishImage },
    ),
    channel: createClientChannel(reply, deps.openStreams),
    policy: { fakeStreamIntervalMs: deps.settings.FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS * 1000 },
  });
  return reply;
}
