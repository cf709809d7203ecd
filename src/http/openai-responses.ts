import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomId } from '../core/random-id.js';
import { OpenAIRequestError } from '../protocols/openai/openai-error.js';
import { checkResponsesRequest } from '../protocols/openai-responses/check-responses-request.js';
import {
  convertResponsesRequest,
  responsesMediaUrlsOf,
} from '../protocols/openai-responses/convert-responses-request.js';
import { responseEchoOf } from '../protocols/openai-responses/response-context.js';
import { createResponsesSurface } from '../protocols/openai-responses/responses-surface.js';
import { MediaFetchError } from '../upstream/fetch-media.js';
import {
  conversionOptionsOf,
  type OpenAIDependencies,
  parseJsonBody,
  relayTranslated,
  sendOpenAIError,
} from './openai-chat.js';

const prefixes = ['/v1', '/hf/v1'];

/** A media URL the gateway would not fetch, named under `input` (the OpenAI routes' handler says `messages`). */
function refuseMedia(error: unknown): never {
  if (error instanceof MediaFetchError) throw new OpenAIRequestError(`input: ${error.message}`, 'input');
  throw error;
}

/** POST /v1/responses: OpenAI's Responses API over Gemini, stateless, through the key pool. */
async function handleResponse(deps: OpenAIDependencies, request: FastifyRequest, reply: FastifyReply) {
  const body = checkResponsesRequest(parseJsonBody(request));
  const options = await conversionOptionsOf(deps, body.model, responsesMediaUrlsOf(body)).catch(refuseMedia);
  const gemini = convertResponsesRequest(body, options);
  return relayTranslated(deps, request, reply, {
    route: 'openai responses',
    model: options.choice.model,
    gemini,
    stream: body.stream === true,
    surface: createResponsesSurface({
      id: `resp_${randomId()}`,
      createdAt: Math.floor(deps.clock.now() / 1000),
      model: body.model,
      newId: () => randomId(),
      echo: responseEchoOf(body),
    }),
    mediaParam: 'input',
  });
}

/**
 * The Responses API (PROTOCOLS.md §6). Registered inside the OpenAI routes, whose client-token
 * check and OpenAI-shaped errors it shares. No response is kept, so every path that reads one
 * (retrieve, input_items, cancel, delete) answers 404 saying so.
 */
export async function openaiResponsesRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => OpenAIDependencies },
): Promise<void> {
  for (const prefix of prefixes) {
    app.post(`${prefix}/responses`, (request, reply) => handleResponse(optionsOf(request), request, reply));
    app.all(`${prefix}/responses/*`, (request, reply) =>
      sendOpenAIError(
        reply,
        404,
        `gemgate keeps no responses, so ${request.method} ${request.url.split('?')[0]} has none to find: send the whole conversation with each POST ${prefix}/responses.`,
        null,
        'not_found',
      ),
    );
  }
}
