import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import { filterModelList, parseModelTarget, upstreamQuery } from '../protocols/gemini/gemini-paths.js';
import { type RelayCall, type RelayContext, type RelayResult, relayCall } from '../relay/relay-call.js';
import { extractGeminiToken, type TokenCheck } from './client-auth.js';
import { createRequestSignal } from './create-request-signal.js';
import { sendGeminiStream } from './send-gemini-stream.js';

export interface GeminiRouteOptions {
  readonly relay: RelayContext;
  readonly checkToken: (token: string | undefined) => TokenCheck;
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

export function sendGeminiError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', jsonType)
    .send(JSON.stringify(createGeminiErrorBody(status, message)));
}

/** The native Gemini API, relayed through the key pool with the client's body untouched. */
export async function geminiRoutes(app: FastifyInstance, options: GeminiRouteOptions): Promise<void> {
  const { relay, log, clock } = options;

  app.addHook('onRequest', async (request, reply) => {
    const check = options.checkToken(extractGeminiToken(request));
    if (check === 'missing') {
      return sendGeminiError(
        reply,
        401,
        'Method requires an API key: pass your gemgate token in the x-goog-api-key header, the key query parameter or an Authorization: Bearer header.',
      );
    }
    if (check === 'invalid') return sendGeminiError(reply, 403, 'The API key (gemgate token) is not valid.');
  });

  function logRequest(
    route: string,
    model: string | null,
    result: RelayResult,
    status: number,
    success: boolean,
    reply: FastifyReply,
    stream: boolean,
  ) {
    log.request({
      createdAt: clock.now(),
      route,
      model,
      keyId: 'key' in result && result.key ? result.key.id : null,
      status,
      success,
      latencyMs: reply.elapsedTime,
      attempts: result.attempts,
      stream,
    });
  }

  /** Sends a finished relay result (anything but a stream) and logs it. */
  function sendResult(
    reply: FastifyReply,
    route: string,
    model: string | null,
    result: RelayResult,
    transform?: (body: Buffer) => Buffer,
  ): void {
    switch (result.kind) {
      case 'complete': {
        const body = transform ? transform(result.body) : result.body;
        reply.code(result.status).header('content-type', result.contentType).send(body);
        logRequest(route, model, result, result.status, true, reply, false);
        return;
      }
      case 'failed': {
        if (result.retryAfterSeconds !== undefined)
          reply.header('retry-after', String(result.retryAfterSeconds));
        reply.code(result.status).header('content-type', jsonType).send(result.body);
        logRequest(route, model, result, result.status, false, reply, false);
        return;
      }
      case 'aborted': {
        reply.hijack();
        reply.raw.destroy();
        logRequest(route, model, result, 499, false, reply, false);
        return;
      }
      case 'stream':
        throw new Error('streams are sent by sendGeminiStream');
    }
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
      sendResult(reply, call.route, null, await relayCall(relay, call), (body) =>
        filterModelList(body, options.hiddenModels),
      );
      return reply;
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
      sendResult(reply, call.route, null, await relayCall(relay, call));
      return reply;
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
        const stream = target.method === 'streamGenerateContent';
        const route = `gemini ${target.method}`;
        const call: RelayCall = {
          route,
          model: target.model,
          request: {
            method: 'POST',
            path: `/${version}/models/${encodeURIComponent(target.model)}:${target.method}`,
            query: upstreamQuery(request.url),
            body,
          },
          stream,
          signal: createRequestSignal(reply),
        };
        const result = await relayCall(relay, call);
        if (result.kind !== 'stream') {
          sendResult(reply, route, target.model, result);
          return reply;
        }
        const sse = (request.query as { alt?: string }).alt === 'sse';
        sendGeminiStream(reply, result, sse, (end) => {
          if (end.failure) {
            log.error({
              createdAt: clock.now(),
              route,
              model: target.model,
              keyId: result.key.id,
              status: null,
              errorType: end.failure.errorType,
              message: end.failure.message,
              requestBody: null,
            });
          }
          logRequest(
            route,
            target.model,
            result,
            end.clientClosed ? 499 : result.status,
            !end.failure && !end.clientClosed,
            reply,
            true,
          );
        });
        return reply;
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
