import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Clock } from '../core/clock.js';
import type { PinnedResourceStore } from '../core/pinned-resource-store.js';
import { randomId } from '../core/random-id.js';
import type { GeminiInlineData, GeminiRequest } from '../protocols/gemini/gemini-types.js';
import { resolveModel } from '../protocols/gemini/resolve-model.js';
import type { GenerationSurface } from '../protocols/generation-surface.js';
import { createChatSurface } from '../protocols/openai/chat-surface.js';
import { checkChatRequest } from '../protocols/openai/check-chat-request.js';
import {
  type ChatConversionOptions,
  convertToGeminiRequest,
  mediaUrlsOf,
} from '../protocols/openai/convert-to-gemini-request.js';
import type { ChatStreamContext } from '../protocols/openai/encode-chat-chunks.js';
import {
  convertGeminiErrorToOpenAI,
  createOpenAIErrorBody,
  OpenAIRequestError,
} from '../protocols/openai/openai-error.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import type { RelayContext, RelayResult } from '../relay/relay-call.js';
import { runGeneration, type StreamPolicy } from '../relay/run-generation.js';
import type { ImageStore } from '../storage/create-image-store.js';
import type { MediaFetcher } from '../upstream/fetch-media.js';
import { createClientChannel } from './create-client-channel.js';
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
>;

export interface OpenAIDependencies {
  readonly relay: RelayContext;
  readonly settings: ChatSettings;
  readonly imageStore: ImageStore;
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

/** POST /v1/chat/completions: OpenAI's chat API over Gemini, through the key pool. */
export async function handleChatCompletion(
  deps: OpenAIDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const { settings } = deps;
  const body = checkChatRequest(parseJsonBody(request));
  const options = await conversionOptionsOf(deps, body.model, mediaUrlsOf(body));
  const gemini = convertToGeminiRequest(body, options);
  // Only an answer with images needs the gateway's public address.
  let base: string | undefined;
  const context: ChatStreamContext = {
    id: `chatcmpl-${randomId()}`,
    created: Math.floor(deps.clock.now() / 1000),
    model: body.model,
    newId: () => randomId(),
    imageUrl: (image) => {
      base ??= publicBaseUrl(request, settings.PUBLIC_URL);
      return `${base}/images/${deps.imageStore.put(image.mimeType, image.data)}`;
    },
    showSearchLink: settings.SHOW_SEARCH_LINK,
    includeUsage: body.stream_options?.include_usage === true,
  };
  return relayTranslated(deps, request, reply, {
    route: 'openai chat.completions',
    model: options.choice.model,
    gemini,
    stream: body.stream === true,
    surface: createChatSurface(context),
    mediaParam: 'messages',
  });
}
