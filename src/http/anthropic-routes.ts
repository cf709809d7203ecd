import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomId } from '../core/random-id.js';
import { anthropicStatusOf, createAnthropicErrorBody } from '../protocols/anthropic/anthropic-error.js';
import type { MessagesRequest } from '../protocols/anthropic/anthropic-types.js';
import { checkMessagesRequest } from '../protocols/anthropic/check-messages-request.js';
import { convertMessagesRequest, mediaUrlsOf } from '../protocols/anthropic/convert-messages-request.js';
import { countTokensRequestOf, countTokensSurface } from '../protocols/anthropic/count-tokens.js';
import { createMessagesSurface } from '../protocols/anthropic/messages-surface.js';
import type { GeminiInlineData } from '../protocols/gemini/gemini-types.js';
import { resolveModel } from '../protocols/gemini/resolve-model.js';
import { checkModelField } from '../protocols/openai/check-chat-request.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import { RequestError } from '../protocols/request-error.js';
import { runGeneration, runWhole } from '../relay/run-generation.js';
import { MediaFetchError } from '../upstream/fetch-media.js';
import { extractBearer, type TokenCheck } from './client-auth.js';
import { createClientChannel } from './create-client-channel.js';
import { imagePublisherOf, type OpenAIDependencies } from './openai-chat.js';
import { rememberClient } from './request-client.js';

/** The chat translation's dependencies (the same settings apply), the token check and the model map. */
export interface AnthropicRouteOptions
  extends Pick<
    OpenAIDependencies,
    'relay' | 'settings' | 'imageStore' | 'imageUploader' | 'mediaFetcher' | 'openStreams' | 'policy'
  > {
  readonly checkToken: (token: string | undefined) => TokenCheck;
  /** ANTHROPIC_MODEL_MAP: the Gemini model behind a requested name. */
  readonly mapModel: (requested: string) => string;
}

const jsonType = 'application/json; charset=utf-8';

/** An error in Anthropic's shape; Google's 503 becomes Anthropic's 529. */
export function sendAnthropicError(reply: FastifyReply, status: number, message: string) {
  const sent = anthropicStatusOf(status);
  return reply.code(sent).header('content-type', jsonType).send(createAnthropicErrorBody(sent, message));
}

/**
 * Anthropic's clients send their key as `x-api-key` (the SDK; Claude Code's ANTHROPIC_API_KEY) or as
 * a Bearer token (Claude Code's ANTHROPIC_AUTH_TOKEN).
 */
function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  return extractBearer(request.headers.authorization);
}

function parseBody(request: FastifyRequest): Record<string, unknown> {
  const parsed = parseJsonObject(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  if (parsed.ok) return parsed.value;
  throw new RequestError(`The request body is ${parsed.problem}.`);
}

/** The request in Gemini's terms, for the Gemini model its name maps to; its http(s) media fetched. */
async function translate(options: AnthropicRouteOptions, body: MessagesRequest) {
  const { settings } = options;
  const model = checkModelField(options.mapModel(body.model));
  const choice = resolveModel(model, {
    searchModels: settings.SEARCH_MODELS,
    imageModels: settings.IMAGE_MODELS,
    thinkingModels: settings.THINKING_MODELS,
  });
  const urls = mediaUrlsOf(body);
  const media: Map<string, GeminiInlineData> =
    urls.length > 0 ? await options.mediaFetcher.fetchAll(urls) : new Map();
  const gemini = convertMessagesRequest(body, {
    choice,
    thinkingBudgetMap: settings.THINKING_BUDGET_MAP,
    codeExecution: settings.TOOLS_CODE_EXECUTION_ENABLED,
    urlContext: settings.URL_CONTEXT_ENABLED && settings.URL_CONTEXT_MODELS.includes(choice.model),
    safetySettings: settings.SAFETY_SETTINGS,
    media,
  });
  return { model: choice.model, gemini };
}

const modelPath = (model: string, method: string) => `/v1beta/models/${encodeURIComponent(model)}:${method}`;

/** POST /v1/messages: a message, whole or streamed, through the key pool. */
async function createMessage(options: AnthropicRouteOptions, request: FastifyRequest, reply: FastifyReply) {
  const body = checkMessagesRequest(parseBody(request), true);
  const { model, gemini } = await translate(options, body);
  const surface = createMessagesSurface(
    {
      id: `msg_${randomId()}`,
      model: body.model,
      newId: () => randomId(),
      showSearchLink: options.settings.SHOW_SEARCH_LINK,
    },
    imagePublisherOf(options, request),
  );
  const stream = body.stream === true;
  await runGeneration(options.relay, {
    call: {
      route: 'anthropic messages',
      model,
      request: {
        method: 'POST',
        path: modelPath(model, stream ? 'streamGenerateContent' : 'generateContent'),
        query: stream ? 'alt=sse' : '',
        body: Buffer.from(JSON.stringify(gemini)),
      },
      stream,
    },
    surface,
    channel: createClientChannel(reply, options.openStreams),
    policy: options.policy,
  });
  return reply;
}

/** POST /v1/messages/count_tokens: Gemini's countTokens of the translated request. */
async function countTokens(options: AnthropicRouteOptions, request: FastifyRequest, reply: FastifyReply) {
  const body = checkMessagesRequest(parseBody(request), false);
  const { model, gemini } = await translate(options, body);
  await runWhole(options.relay, {
    call: {
      route: 'anthropic messages.count_tokens',
      model,
      request: {
        method: 'POST',
        path: modelPath(model, 'countTokens'),
        query: '',
        body: Buffer.from(JSON.stringify(countTokensRequestOf(gemini, model))),
      },
      stream: false,
    },
    surface: countTokensSurface,
    channel: createClientChannel(reply, options.openStreams),
  });
  return reply;
}

/**
 * Anthropic's Messages API over Gemini (PROTOCOLS.md §5), for Claude Code and the Anthropic SDKs:
 * authenticated with a client token as `x-api-key` or Bearer; `anthropic-version` and
 * `anthropic-beta` are accepted and change nothing. Each request is served with the version of the
 * settings it took as it arrived (`optionsOf`). Other `/v1/messages/…` paths are the not-found
 * handler's, in Anthropic's shape (create-app.ts).
 */
export async function anthropicRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => AnthropicRouteOptions },
): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    const check = optionsOf(request).checkToken(tokenOf(request));
    if (typeof check === 'object') {
      rememberClient(request, check);
      return done();
    }
    sendAnthropicError(
      reply,
      401,
      check === 'missing'
        ? 'Missing API key: send your gemgate token as x-api-key (or Authorization: Bearer <token>).'
        : 'Invalid API key (gemgate token).',
    );
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof RequestError) {
      const { param, message } = error;
      // Anthropic names the field first (`messages.0.content: …`), unless the message does.
      return sendAnthropicError(
        reply,
        error.status,
        param && !message.includes(param) ? `${param}: ${message}` : message,
      );
    }
    if (error instanceof MediaFetchError)
      return sendAnthropicError(reply, 400, `source.url: ${error.message}`);
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return sendAnthropicError(reply, status, status >= 500 ? 'Internal gateway error.' : error.message);
  });

  app.post('/v1/messages', (request, reply) => createMessage(optionsOf(request), request, reply));
  app.post('/v1/messages/count_tokens', (request, reply) => countTokens(optionsOf(request), request, reply));
}
