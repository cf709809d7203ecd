import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Clock } from '../core/clock.js';
import type { PinnedResourceStore } from '../core/pinned-resource-store.js';
import { randomId } from '../core/random-id.js';
import type { GeminiInlineData } from '../protocols/gemini/gemini-types.js';
import { resolveModel } from '../protocols/gemini/resolve-model.js';
import { createChatSurface } from '../protocols/openai/chat-surface.js';
import { checkChatRequest } from '../protocols/openai/check-chat-request.js';
import { convertToGeminiRequest, mediaUrlsOf } from '../protocols/openai/convert-to-gemini-request.js';
import type { ChatStreamContext } from '../protocols/openai/encode-chat-chunks.js';
import {
  convertGeminiErrorToOpenAI,
  createOpenAIErrorBody,
  OpenAIRequestError,
} from '../protocols/openai/openai-error.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import type { RelayContext, RelayResult } from '../relay/relay-call.js';
import { runGeneration, type StreamPolicy } from '../relay/run-generation.js';
import type { MediaFetcher } from '../upstream/fetch-media.js';
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
>;

export interface OpenAIDependencies extends ImageLinks {
  readonly relay: RelayContext;
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

/** POST /v1/chat/completions: OpenAI's chat API over Gemini, through the key pool. */
export async function handleChatCompletion(
  deps: OpenAIDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const { settings } = deps;
  const body = checkChatRequest(parseJsonBody(request));
  const choice = resolveModel(body.model, {
    searchModels: settings.SEARCH_MODELS,
    imageModels: settings.IMAGE_MODELS,
    thinkingModels: settings.THINKING_MODELS,
  });
  const urls = mediaUrlsOf(body);
  const media: Map<string, GeminiInlineData> =
    urls.length > 0 ? await deps.mediaFetcher.fetchAll(urls) : new Map();
  const gemini = convertToGeminiRequest(body, {
    choice,
    thinkingBudgetMap: settings.THINKING_BUDGET_MAP,
    showThinking: settings.SHOW_THINKING_PROCESS,
    codeExecution: settings.TOOLS_CODE_EXECUTION_ENABLED,
    urlContext: settings.URL_CONTEXT_ENABLED && settings.URL_CONTEXT_MODELS.includes(choice.model),
    safetySettings: settings.SAFETY_SETTINGS,
    media,
  });
  // A file_id binds the request to the key that holds the file.
  const pin = await pinOf(
    deps.pins,
    {
      nowMs: deps.clock.now(),
      clientId: clientIdOf(request),
      isolated: settings.FILES_USER_ISOLATION_ENABLED,
    },
    resourcesNamedIn(gemini),
  );
  if ('refusal' in pin) return sendOpenAIError(reply, pin.refusal.status, pin.refusal.message, 'messages');
  // Only an answer with images the gateway serves needs its public address.
  let base: string | undefined;
  const gatewayBase = () => (base ??= publicBaseUrl(request, settings.PUBLIC_URL));
  const context: ChatStreamContext = {
    id: `chatcmpl-${randomId()}`,
    created: Math.floor(deps.clock.now() / 1000),
    model: body.model,
    newId: () => randomId(),
    showSearchLink: settings.SHOW_SEARCH_LINK,
    includeUsage: body.stream_options?.include_usage === true,
  };
  const stream = body.stream === true;
  const method = stream ? 'streamGenerateContent' : 'generateContent';
  await runGeneration(deps.relay, {
    call: {
      route: 'openai chat.completions',
      model: choice.model,
      request: {
        method: 'POST',
        path: `/v1beta/models/${encodeURIComponent(choice.model)}:${method}`,
        query: stream ? 'alt=sse' : '',
        body: Buffer.from(JSON.stringify(gemini)),
      },
      stream,
      ...(pin.keyId === undefined ? {} : { pinKeyId: pin.keyId }),
    },
    surface: createChatSurface(context, (image) => linkImage(deps, image, gatewayBase)),
    channel: createClientChannel(reply, deps.openStreams),
    policy: deps.policy,
  });
  return reply;
}
