import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import { filterModelList, parseModelTarget, upstreamQuery } from '../protocols/gemini/gemini-paths.js';
import {
  type RelayCall,
  type RelayContext,
  type RelayResult,
  recordInterruption,
  relayCall,
} from '../relay/relay-call.js';
import { extractGeminiToken, type TokenCheck } from './client-auth.js';
import { createRequestSignal } from './create-request-signal.js';
import { sendGeminiStream } from './send-gemini-stream.js';

export interface GeminiRouteOptions {
  readonly relay: RelayContext;
  readonly checkToken: (token: string | undefined) => TokenCheck;
  /** The admin token: only it may pin a request to a key with `x-gemgate-key-id`. */
  readonly authToken: string;
  readonly hiddenModels: ReadonlySet<string>;
  readonly log: LogSink;
  readonly clock: Clock;
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

/** The native Gemini API, relayed through the key pool with the client's body untouched. */
export async function geminiRoutes(app: FastifyInstance, options: GeminiRouteOptions): Promise<void> {
  const { relay, log, clock } = options;

  // A callback-style hook: an async one costs a promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    const check = options.checkToken(extractGeminiToken(request));
    if (check === 'ok') return done();
    if (check === 'missing') {
      sendGeminiError(
        reply,
        401,
        'Method requires an API key: pass your gemgate token in the x-goog-api-key header, the key query parameter or an Authorization: Bearer header.',
      );
    } else {
      sendGeminiError(reply, 403, 'The API key (gemgate token) is not valid.');
    }
  });

  function logRequest(
    reply: FastifyReply,
    call: RelayCall,
    result: RelayResult,
    status: number,
    success: boolean,
  ) {
    log.request({
      createdAt: clock.now(),
      route: call.route,
      model: call.model,
      keyId: 'key' in result && result.key ? result.key.id : null,
      status,
      success,
      latencyMs: reply.elapsedTime,
      attempts: result.attempts,
      stream: call.stream,
    });
  }

  /** Sends a relay result and logs the request once it is over. */
  async function send(
    request: FastifyRequest,
    reply: FastifyReply,
    call: RelayCall,
    transform?: (body: Buffer) => Buffer,
  ): Promise<FastifyReply> {
    const pin = request.headers[pinHeader];
    if (typeof pin === 'string') {
      if (extractGeminiToken(request) !== options.authToken) {
        return sendGeminiError(reply, 403, `Only the admin token may pin a request to a key (${pinHeader}).`);
      }
      call = { ...call, pinKeyId: pin };
    }
    const result = await relayCall(relay, call);
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
        sendGeminiStream(reply, result, sse, (end) => {
          if (end.failure)
            recordInterruption(relay, call, result.key, end.failure.cause, end.failure.message);
          const success = !end.failure && !end.clientClosed;
          logRequest(reply, call, result, end.clientClosed ? 499 : result.status, success);
        });
        break;
      }
    }
    return reply;
  }

  for (const [prefix, version] of prefixes) {
    app.get(`${prefix}/models`, async (request, reply) => {
      const call: RelayCall = {
        route: 'gemini models.list',
        model: null,
        request: { method: 'GET', path: `/${version}/models`, query: upstreamQuery(request.url) },
        stream: false,
        signal: createRequestSignal(reply),
      };
      return send(request, reply, call, (body) => filterModelList(body, options.hiddenModels));
    });

    app.get<{ Params: { model: string } }>(`${prefix}/models/:model`, async (request, reply) => {
      const call: RelayCall = {
        route: 'gemini models.get',
        model: null,
        request: {
          method: 'GET',
          path: `/${version}/models/${encodeURIComponent(request.params.model)}`,
          query: upstreamQuery(request.url),
        },
        stream: false,
        signal: createRequestSignal(reply),
      };
      return send(request, reply, call);
    });

    app.post<{ Params: { target: string }; Body: Buffer }>(
      `${prefix}/models/:target`,
      async (request, reply) => {
        const target = parseModelTarget(request.params.target);
        if (!target) {
          return sendGeminiError(
            reply,
            404,
            `Expected models/{model}:{method}, got models/${request.params.target}.`,
          );
        }
        const body = request.body;
        if (!looksLikeJsonObject(body)) {
          return sendGeminiError(
            reply,
            400,
            'Invalid JSON payload received: the request body must be a JSON object.',
          );
        }
        return send(request, reply, {
          route: `gemini ${target.method}`,
          model: target.model,
          request: {
            method: 'POST',
            path: `/${version}/models/${encodeURIComponent(target.model)}:${target.method}`,
            query: upstreamQuery(request.url),
            body,
          },
          stream: target.method === 'streamGenerateContent',
          signal: createRequestSignal(reply),
        });
      },
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

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
