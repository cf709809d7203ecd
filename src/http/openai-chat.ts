import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import { randomId } from '../core/random-id.js';
import type { GeminiInlineData, GeminiResponse } from '../protocols/gemini/gemini-types.js';
import { resolveModel } from '../protocols/gemini/resolve-model.js';
import { checkChatRequest } from '../protocols/openai/check-chat-request.js';
import { convertToGeminiRequest, mediaUrlsOf } from '../protocols/openai/convert-to-gemini-request.js';
import { convertToOpenAIResponse } from '../protocols/openai/convert-to-openai-response.js';
import {
  type ChatStreamContext,
  createChatStreamTranslator,
} from '../protocols/openai/create-chat-stream-translator.js';
import {
  createOpenAISseTransformer,
  encodeOpenAIChunk,
  GeminiStreamError,
  openAIStreamEnd,
} from '../protocols/openai/create-openai-sse-transformer.js';
import {
  convertGeminiErrorToOpenAI,
  createOpenAIErrorBody,
  OpenAIRequestError,
} from '../protocols/openai/openai-error.js';
import type { OpenAIChatChunk } from '../protocols/openai/openai-types.js';
import { parseGenerateAnswer } from '../protocols/openai/parse-gemini-answer.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import {
  type RelayCall,
  type RelayContext,
  type RelayFailure,
  type RelayResult,
  recordInterruption,
  relayCall,
} from '../relay/relay-call.js';
import type { ImageStore } from '../storage/create-image-store.js';
import { planTextPieces, type StreamOptimizerSettings } from '../streaming/plan-text-pieces.js';
import type { MediaFetcher } from '../upstream/fetch-media.js';
import { describeStreamBreak } from '../upstream/gemini-client.js';
import { createRequestSignal } from './create-request-signal.js';
import { createSseWriter, type SseWriter } from './create-sse-writer.js';
import { malformedAnswerFailure, recordMalformedAnswer } from '../relay/malformed-answer-failure.js';
import type { OpenStreams, StreamCut } from './open-streams.js';
import { logRelayedRequest } from './request-log.js';
import { scrubSseWriter } from './scrub-sse-writer.js';
import { streamOptimizerSettings } from './stream-optimizer-settings.js';

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
  | 'FAKE_STREAM_ENABLED'
  | 'FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS'
  | 'STREAM_OPTIMIZER_ENABLED'
  | 'STREAM_MIN_DELAY'
  | 'STREAM_MAX_DELAY'
  | 'STREAM_SHORT_TEXT_THRESHOLD'
  | 'STREAM_LONG_TEXT_THRESHOLD'
  | 'STREAM_CHUNK_SIZE'
>;

export interface OpenAIDependencies {
  readonly relay: RelayContext;
  readonly settings: ChatSettings;
  readonly imageStore: ImageStore;
  readonly mediaFetcher: MediaFetcher;
  readonly log: LogSink;
  readonly clock: Clock;
  readonly openStreams: OpenStreams;
}

const jsonType = 'application/json; charset=utf-8';
const keepAlive = ': keep-alive\n\n';
/** A stream cut at shutdown ends with OpenAI's error chunk (and no [DONE]: the answer is incomplete). */
const cutEvent = (reason: StreamCut) =>
  encodeOpenAIChunk(createOpenAIErrorBody(reason.status, reason.message));

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

/**
 * Writes OpenAI chunks; with the stream optimizer on, text deltas are re-cut into small pieces with
 * short pauses (gemini-balance's STREAM_OPTIMIZER_*).
 */
async function writeChunks(
  sse: SseWriter,
  chunks: OpenAIChatChunk[],
  optimizer: StreamOptimizerSettings | undefined,
) {
  for (const chunk of chunks) {
    const content = chunk.choices[0]?.delta.content;
    if (!optimizer || !content || chunk.choices.length !== 1) {
      if (!sse.write(encodeOpenAIChunk(chunk))) await sse.drained();
      continue;
    }
    for (const piece of planTextPieces(content, optimizer)) {
      const choice = chunk.choices[0] as OpenAIChatChunk['choices'][number];
      sse.write(
        encodeOpenAIChunk({
          ...chunk,
          choices: [{ ...choice, delta: { ...choice.delta, content: piece.text } }],
        }),
      );
      await sse.drained();
      if (sse.closed) return;
      await delay(piece.delayMs);
    }
  }
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
  const stream = body.stream === true;
  const realStream = stream && !settings.FAKE_STREAM_ENABLED;
  const call: RelayCall = {
    route: 'openai chat.completions',
    model: choice.model,
    request: {
      method: 'POST',
      path: `/v1beta/models/${encodeURIComponent(choice.model)}:${realStream ? 'streamGenerateContent' : 'generateContent'}`,
      query: realStream ? 'alt=sse' : '',
      body: Buffer.from(JSON.stringify(gemini)),
    },
    stream: realStream,
    signal: createRequestSignal(reply),
  };
  const log = (result: RelayResult, status: number, success: boolean) =>
    logRelayedRequest(deps.log, deps.clock, reply, { ...call, stream }, result, status, success);

  if (!stream) {
    const result = await relayCall(deps.relay, call);
    if (answeredWithoutContent(reply, result, log)) return reply;
    const answer = completeAnswer(deps, call, result);
    if (!answer.ok) return answeredWithoutContent(reply, answer.failure, log);
    log(result, 200, true);
    return reply.header('content-type', jsonType).send(convertToOpenAIResponse(answer.response, context));
  }
  if (realStream) return streamChat(deps, reply, call, context, log);
  return fakeStreamChat(deps, reply, call, context, log);
}

/**
 * A complete generateContent answer, parsed and checked; a malformed one is a 502 failure with an
 * error-log row.
 */
function completeAnswer(
  deps: OpenAIDependencies,
  call: RelayCall,
  result: Extract<RelayResult, { kind: 'complete' | 'stream' }>,
): { ok: true; response: GeminiResponse } | { ok: false; failure: RelayFailure } {
  if (result.kind !== 'complete') return { ok: true, response: {} };
  const parsed = parseGenerateAnswer(result.body);
  if (parsed.ok) return { ok: true, response: parsed.value };
  return { ok: false, failure: malformedAnswerFailure(deps.relay, call, result, parsed.problem) };
}

/**
 * Answers a relay result that carries no content — the client left, or no key could serve — and
 * says whether it did.
 */
function answeredWithoutContent(
  reply: FastifyReply,
  result: RelayResult,
  log: (result: RelayResult, status: number, success: boolean) => void,
): result is Extract<RelayResult, { kind: 'aborted' | 'failed' }> {
  if (result.kind === 'aborted') {
    log(result, 499, false);
    reply.hijack();
    return true;
  }
  if (result.kind === 'failed') {
    log(result, result.status, false);
    sendRelayFailure(reply, result);
    return true;
  }
  return false;
}

/** Gemini's SSE stream translated chunk by chunk as it arrives. */
async function streamChat(
  deps: OpenAIDependencies,
  reply: FastifyReply,
  call: RelayCall,
  context: ChatStreamContext,
  log: (result: RelayResult, status: number, success: boolean) => void,
) {
  const result = await relayCall(deps.relay, call);
  if (answeredWithoutContent(reply, result, log)) return reply;
  // One request-log row, whichever of the end, an error or the client's leaving comes first.
  let logged = false;
  const logOnce = (answered: RelayResult, status: number, success: boolean) => {
    if (logged) return;
    logged = true;
    log(answered, status, success);
  };
  const sse = scrubSseWriter(
    createSseWriter(reply, undefined, { openStreams: deps.openStreams, event: cutEvent }),
    result.key.secret,
  );
  const optimizer = streamOptimizerSettings(deps.settings);
  if (result.kind === 'complete') {
    await writeChunks(sse, createChatStreamTranslator(context).finish(), optimizer);
    sse.end(openAIStreamEnd);
    logOnce(result, 200, true);
    return reply;
  }
  const transformer = createOpenAISseTransformer(context);
  const upstream = result.rest;
  let pending = Promise.resolve();
  let failed = false;
  const forward = (chunks: OpenAIChatChunk[]) => {
    if (!optimizer) {
      let full = false;
      for (const chunk of chunks) if (!sse.write(encodeOpenAIChunk(chunk))) full = true;
      if (full) {
        upstream.pause();
        void sse.drained().then(() => upstream.resume());
      }
      return;
    }
    // Paced output: hold the upstream while the pieces go out, in order.
    upstream.pause();
    pending = pending.then(() => writeChunks(sse, chunks, optimizer)).then(() => upstream.resume());
  };
  const fail = (status: number, message: string) => {
    failed = true;
    const end = () => {
      sse.fail(encodeOpenAIChunk(createOpenAIErrorBody(status, message)));
      logOnce(result, 200, false);
    };
    void pending.then(end, end);
  };
  /**
   * Runs a step of the translation. Google's in-band error, an event nobody can read, or a fault of
   * the translation itself ends the stream with OpenAI's error chunk: never an exception that leaves
   * the client waiting, and never a "lost connection" blamed on the key.
   */
  const step = (produce: () => OpenAIChatChunk[]) => {
    try {
      forward(produce());
      return true;
    } catch (error) {
      upstream.cancel();
      if (error instanceof GeminiStreamError) {
        if (error.malformed) recordMalformedAnswer(deps.relay, call, result, error.message);
        fail(error.status, error.message);
      } else {
        reply.log.error({ err: error }, 'could not translate a Gemini stream');
        fail(500, 'The gateway could not translate the stream; the answer is incomplete.');
      }
      return false;
    }
  };
  sse.onClose(() => {
    upstream.cancel();
    logOnce(result, 499, false);
  });
  if (!step(() => transformer.push(result.first))) return reply;
  upstream.pipe({
    data: (chunk) => {
      if (!failed) step(() => transformer.push(chunk));
    },
    end: () => {
      if (failed || !step(() => transformer.end())) return;
      void pending.then(() => {
        sse.end(openAIStreamEnd);
        logOnce(result, 200, true);
      });
    },
    error: (error) => {
      const broken = describeStreamBreak(error);
      if (!broken) return;
      recordInterruption(deps.relay, call, result.key, broken.cause, broken.message);
      fail(broken.status, broken.message);
    },
  });
  return reply;
}

/**
 * FAKE_STREAM_ENABLED: Gemini is called without streaming while the client receives keep-alive
 * comments (which every SSE parser skips) every FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS, then the
 * whole answer as stream chunks. Keeps proxies that cut idle connections from cutting long answers.
 */
async function fakeStreamChat(
  deps: OpenAIDependencies,
  reply: FastifyReply,
  call: RelayCall,
  context: ChatStreamContext,
  log: (result: RelayResult, status: number, success: boolean) => void,
) {
  const sse = createSseWriter(reply, undefined, { openStreams: deps.openStreams, event: cutEvent });
  sse.write(keepAlive);
  const timer = setInterval(
    () => sse.write(keepAlive),
    deps.settings.FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS * 1000,
  );
  let result: RelayResult;
  try {
    result = await relayCall(deps.relay, call);
  } finally {
    clearInterval(timer);
  }
  if (result.kind === 'aborted') {
    log(result, 499, false);
    return reply;
  }
  if (result.kind === 'failed') {
    sse.end(encodeOpenAIChunk(convertGeminiErrorToOpenAI(result.status, result.error)));
    log(result, result.status, false);
    return reply;
  }
  const answer = completeAnswer(deps, call, result);
  if (!answer.ok) {
    // The stream began with keep-alives: its 200 is sent, so the failure ends it in-band.
    sse.end(encodeOpenAIChunk(convertGeminiErrorToOpenAI(answer.failure.status, answer.failure.error)));
    log(answer.failure, answer.failure.status, false);
    return reply;
  }
  const translator = createChatStreamTranslator(context);
  await writeChunks(
    sse,
    [...translator.push(answer.response), ...translator.finish()],
    streamOptimizerSettings(deps.settings),
  );
  sse.end(openAIStreamEnd);
  log(result, 200, true);
  return reply;
}
