import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { upstreamQuery } from '../protocols/gemini/gemini-paths.js';
import { modelNameProblem } from '../protocols/gemini/model-name-problem.js';
import { createCompatSurface } from '../protocols/openai/compat-surface.js';
import { imageChatModelOf } from '../protocols/openai/image-models.js';
import { parseOpenAICompatPath } from '../protocols/openai/parse-openai-compat-path.js';
import type { RelayContext } from '../relay/relay-call.js';
import { runGeneration } from '../relay/run-generation.js';
import { extractGeminiToken, type TokenCheck } from './client-auth.js';
import { createClientChannel } from './create-client-channel.js';
import type { OpenStreams } from './open-streams.js';
import {
  handleChatCompletion,
  type OpenAIDependencies,
  sendOpenAIError,
  sendOpenAIRouteError,
} from './openai-chat.js';
import { rememberClient } from './request-client.js';

const prefix = '/openai/v1/';

export interface PassthroughOptions {
  readonly relay: RelayContext;
  /** For images/generations: PAID_KEY's own when set, else `relay` (as on /v1). */
  readonly imageRelay: RelayContext;
  /** The `-chat` image model is the gateway's own, not Google's: its chat requests go to /v1's. */
  readonly openai: OpenAIDependencies;
  readonly checkToken: (token: string | undefined) => TokenCheck;
  readonly openStreams: OpenStreams;
}

/** The model a compat request spends quota on, for the pool's per-model state. */
function modelOf(body: unknown): string | null {
  if (!Buffer.isBuffer(body) || body.length === 0) return null;
  try {
    const model = (JSON.parse(body.toString('utf8')) as { model?: unknown }).model;
    return typeof model === 'string' ? model.replace(/^models\//, '') : null;
  } catch {
    return null;
  }
}

/**
 * `/openai/v1/*`: Google's own OpenAI-compatible endpoint (`/v1beta/openai/*`), reached through the
 * key pool — the client's body and Google's answer pass unchanged, only the key is the pool's.
 */
export async function openaiPassthroughRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => PassthroughOptions },
): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    const check = optionsOf(request).checkToken(extractGeminiToken(request));
    if (typeof check === 'object') {
      rememberClient(request, check);
      return done();
    }
    sendOpenAIError(
      reply,
      401,
      check === 'missing' ? 'Missing API key.' : 'Incorrect API key provided (gemgate token).',
    );
  });
  app.setErrorHandler(sendOpenAIRouteError);

  async function passthrough(request: FastifyRequest, reply: FastifyReply) {
    const options = optionsOf(request);
    // The raw URL, not Fastify's decoded wildcard: what is checked is exactly what Google gets.
    const queryStart = request.url.indexOf('?');
    const rest = request.url.slice(prefix.length, queryStart === -1 ? undefined : queryStart);
    const target = parseOpenAICompatPath(rest, request.method);
    if (!target.ok) return sendOpenAIError(reply, target.status, target.message);
    const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
    const stream = body !== undefined && /"stream"\s*:\s*true/.test(body.toString('utf8'));
    const model = modelOf(body);
    // The model names the pool's per-model state: capped as on every other route.
    const nameProblem = model === null ? undefined : modelNameProblem(model);
    if (nameProblem) return sendOpenAIError(reply, 400, nameProblem, 'model', 'invalid_value');
    if (rest === 'chat/completions' && model === imageChatModelOf(options.openai.settings.CREATE_IMAGE_MODEL))
      return handleChatCompletion(options.openai, request, reply);
    await runGeneration(rest === 'images/generations' ? options.imageRelay : options.relay, {
      call: {
        route: `openai-compat ${rest}`,
        model,
        request: {
          method: request.method as 'GET' | 'POST' | 'DELETE',
          path: target.path,
          query: upstreamQuery(request.url),
          bearer: true,
          ...(body ? { body } : {}),
        },
        stream,
      },
      surface: createCompatSurface(),
      channel: createClientChannel(reply, options.openStreams),
      // Google's compatible endpoint streams itself, unpaced: it is relayed as it comes.
      policy: {},
    });
    return reply;
  }

  app.route({ method: ['GET', 'POST', 'DELETE'], url: `${prefix}*`, handler: passthrough });
}
