import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import { adjustNativeRequest, type NativeFeatures } from '../protocols/gemini/adjust-native-request.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import { filterModelList, parseModelTarget, upstreamQuery } from '../protocols/gemini/gemini-paths.js';
import { modelNameProblem } from '../protocols/gemini/model-name-problem.js';
import {
  type RelayCall,
  type RelayContext,
  type RelayResult,
  recordInterruption,
  relayCall,
} from '../relay/relay-call.js';
import type { StreamOptimizerSettings } from '../streaming/plan-text-pieces.js';
import { createTokenMatcher, extractGeminiToken, type TokenCheck } from './client-auth.js';
import { createRequestSignal } from './create-request-signal.js';
import { malformedAnswerFailure, recordMalformedAnswer } from '../relay/malformed-answer-failure.js';
import type { OpenStreams } from './open-streams.js';
import { logRelayedRequest } from './request-log.js';
import { sendGeminiStream } from './send-gemini-stream.js';
import { type PacedStreamEnd, sendGeminiFakeStream, sendPacedGeminiStream } from './send-gemini-variants.js';

export interface GeminiRouteOptions {
  readonly relay: RelayContext;
  /** The seed's model features, added where the client said nothing. */
  readonly features: NativeFeatures;
  /** FAKE_STREAM_ENABLED: its keep-alive interval in seconds, else undefined. */
  readonly fakeStreamIntervalSeconds: number | undefined;
  /** STREAM_OPTIMIZER_*, when on. */
  readonly optimizer: StreamOptimizerSettings | undefined;
  readonly checkToken: (token: string | undefined) => TokenCheck;
  /** The admin token: only it may pin a request to a key with `x-gemgate-key-id`. */
  readonly authToken: string;
  readonly hiddenModels: ReadonlySet<string>;
  readonly log: LogSink;
  readonly clock: Clock;
  readonly openStreams: OpenStreams;
}

/** Client-facing prefixes and the API version each one speaks upstream. */
const prefixes = [
  ['/v1beta', 'v1beta'],
  ['/gemini/v1beta', 'v1beta'],
  ['/v1', 'v1'],
  ['/gemini/v1', 'v1'],
] as const;

const jsonType = 'application/json; charset=UTF-8';

/** Lets an operator send a request with one given key (by id), to check that key end to end. */
const pinHeader = 'x-gemgate-key-id';

export function sendGeminiError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', jsonType)
    .send(JSON.stringify(createGeminiErrorBody(status, message)));
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export interface GeminiHandlers {
  listModels(version: string): Handler;
  getModel(version: string): Handler;
  callModel(version: string): Handler;
}

/** Sends a missing or wrong client token's refusal in Gemini's shape; true when the token is good. */
export function checkGeminiToken(
  options: Pick<GeminiRouteOptions, 'checkToken'>,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  const check = options.checkToken(extractGeminiToken(request));
  if (check === 'ok') return true;
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
  const { relay, log, clock } = options;
  const isAdminToken = createTokenMatcher(options.authToken);

  const logRequest = (
    reply: FastifyReply,
    call: RelayCall,
    result: RelayResult,
    status: number,
    success: boolean,
  ) => logRelayedRequest(log, clock, reply, call, result, status, success);

  /**
   * A 200 whose body is not a JSON object becomes a 502 with an error-log row. The relay checks
   * only the first and last bytes (a full parse would cost more than the rest of its work); `parse`
   * asks for the full check where the gateway reads the answer itself.
   */
  const vetted = (call: RelayCall, result: RelayResult, parse = false): RelayResult => {
    if (result.kind !== 'complete') return result;
    const problem = answerProblem(result.body, parse);
    return problem ? malformedAnswerFailure(relay, call, result, problem) : result;
  };

  /** Sends a relay result and logs the request once it is over. */
  async function send(
    request: FastifyRequest,
    reply: FastifyReply,
    call: RelayCall,
    transform?: (body: Buffer) => Buffer,
  ): Promise<FastifyReply> {
    const pin = request.headers[pinHeader];
    if (typeof pin === 'string') {
      if (!isAdminToken(extractGeminiToken(request))) {
        return sendGeminiError(reply, 403, `Only the admin token may pin a request to a key (${pinHeader}).`);
      }
      call = { ...call, pinKeyId: pin };
    }
    const result = vetted(call, await relayCall(relay, call), transform !== undefined);
    switch (result.kind) {
      case 'complete':
        reply.code(result.status).header('content-type', result.contentType);
        reply.send(transform ? transform(result.body) : result.body);
        logRequest(reply, call, result, result.status, true);
        break;
      case 'failed':
        if (result.retryAfterSeconds !== undefined)
          reply.header('retry-after', String(result.retryAfterSeconds));
        reply.code(result.status).header('content-type', jsonType).send(result.body);
        logRequest(reply, call, result, result.status, false);
        break;
      case 'aborted':
        reply.hijack();
        reply.raw.destroy();
        logRequest(reply, call, result, 499, false);
        break;
      case 'stream': {
        const sse = (request.query as { alt?: string }).alt === 'sse';
        const onEnd = ({ failure, clientClosed, malformed }: PacedStreamEnd) => {
          // Google's trouble teaches the pool about the key; an event nobody could read does not.
          if (failure) recordInterruption(relay, call, result.key, failure.cause, failure.message);
          if (malformed) recordMalformedAnswer(relay, call, result, malformed);
          const success = !failure && !malformed && !clientClosed;
          logRequest(reply, call, result, clientClosed ? 499 : result.status, success);
        };
        if (options.optimizer && sse)
          sendPacedGeminiStream(reply, result, options.optimizer, onEnd, options.openStreams);
        else sendGeminiStream(reply, result, sse, onEnd, options.openStreams);
        break;
      }
    }
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
          signal: createRequestSignal(reply),
        },
        (body) => filterModelList(body, options.hiddenModels),
      ),
    getModel: (version) => async (request, reply) => {
      const model = (request.params as { model: string }).model;
      const problem = modelNameProblem(model);
      if (problem) return sendGeminiError(reply, 400, problem);
      return send(request, reply, {
        route: 'gemini models.get',
        model: null,
        request: {
          method: 'GET',
          path: `/${version}/models/${encodeURIComponent(model)}`,
          query: upstreamQuery(request.url),
        },
        stream: false,
        signal: createRequestSignal(reply),
      });
    },
    callModel: (version) => async (request, reply) => {
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
      const body = request.body;
      if (!looksLikeJsonObject(body)) {
        return sendGeminiError(
          reply,
          400,
          'Invalid JSON payload received: the request body must be a JSON object.',
        );
      }
      const generates = target.method === 'generateContent' || target.method === 'streamGenerateContent';
      const adjusted = generates ? adjustNativeRequest(target.model, body, options.features) : undefined;
      if (adjusted?.problem) return sendGeminiError(reply, 400, adjusted.problem);
      const model = adjusted?.choice.model ?? target.model;
      const stream = target.method === 'streamGenerateContent';
      const fakeStream = stream && options.fakeStreamIntervalSeconds !== undefined;
      const call: RelayCall = {
        route: `gemini ${target.method}`,
        model,
        request: {
          method: 'POST',
          path: `/${version}/models/${encodeURIComponent(model)}:${fakeStream ? 'generateContent' : target.method}`,
          query: fakeStream ? '' : upstreamQuery(request.url),
          body: adjusted?.body ?? body,
        },
        stream: stream && !fakeStream,
        signal: createRequestSignal(reply),
      };
      if (!fakeStream) return send(request, reply, call);
      const sse = (request.query as { alt?: string }).alt === 'sse';
      // The fake stream parses the answer to re-frame it: it gets the full check.
      const result = await sendGeminiFakeStream(
        reply,
        sse,
        options.fakeStreamIntervalSeconds as number,
        () => relayCall(relay, call).then((answer) => vetted(call, answer, true)),
        options.openStreams,
      );
      const status = result.kind === 'failed' ? result.status : result.kind === 'aborted' ? 499 : 200;
      logRequest(reply, { ...call, stream: true }, result, status, status === 200);
      return reply;
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
}

/**
 * Google answers anything but a JSON object with a 400; catching the obvious cases here spares an
 * upstream call. A full parse is left to Google: it cost more per request than the rest of the
 * relay's own work.
 */
function looksLikeJsonObject(body: unknown): body is Buffer {
  if (!Buffer.isBuffer(body)) return false;
  let start = 0;
  let end = body.length - 1;
  while (start <= end && isJsonSpace(body[start] as number)) start++;
  while (end >= start && isJsonSpace(body[end] as number)) end--;
  return end > start && body[start] === 0x7b && body[end] === 0x7d;
}

/** What is wrong with a 200's body, for a method that answers a JSON object; undefined when nothing. */
function answerProblem(body: Buffer, parse: boolean): string | undefined {
  if (body.length === 0) return 'an empty body';
  if (!looksLikeJsonObject(body)) return 'a body that is not a JSON object';
  if (!parse) return undefined;
  try {
    JSON.parse(body.toString('utf8'));
    return undefined;
  } catch {
    return 'a body that is not JSON';
  }
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
