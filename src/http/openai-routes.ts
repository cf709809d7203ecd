import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import { derivedModelNames, resolveModel } from '../protocols/gemini/resolve-model.js';
import type { SurfaceAnswer } from '../protocols/generation-surface.js';
import { checkModelField } from '../protocols/openai/check-chat-request.js';
import { checkEmbeddingRequest, checkImageRequest } from '../protocols/openai/check-media-requests.js';
import {
  convertEmbeddingRequest,
  convertEmbeddingResponse,
  convertGeminiImageRequest,
  convertImagenRequest,
} from '../protocols/openai/convert-media-requests.js';
import { imageChatModelOf, isImagenModel } from '../protocols/openai/image-models.js';
import {
  type ParsedAnswer,
  parseBatchEmbedAnswer,
  parseGeneratedFiles,
  parseModelListAnswer,
  parsePredictAnswer,
} from '../protocols/openai/parse-gemini-answer.js';
import { createOpenAIWholeSurface, jsonAnswer } from '../protocols/openai/whole-surface.js';
import type { RelayCall } from '../relay/relay-call.js';
import { runWhole } from '../relay/run-generation.js';
import { extractGeminiToken, type TokenCheck } from './client-auth.js';
import { createClientChannel } from './create-client-channel.js';
import { checkGeminiToken, type GeminiHandlers } from './gemini-routes.js';
import { linkImage } from './link-image.js';
import {
  type ChatSettings,
  handleChatCompletion,
  type OpenAIDependencies,
  parseJsonBody,
  publicBaseUrl,
  sendOpenAIError,
  sendOpenAIRouteError,
} from './openai-chat.js';
import { openaiResponsesRoutes } from './openai-responses.js';
import { handleSpeech, type SpeechOptions } from './openai-speech.js';
import { rememberClient } from './request-client.js';

export interface OpenAIRouteOptions extends OpenAIDependencies, SpeechOptions {
  readonly checkToken: (token: string | undefined) => TokenCheck;
  readonly settings: ChatSettings &
    Pick<Settings, 'FILTERED_MODELS' | 'CREATE_IMAGE_MODEL' | 'TTS_MODEL' | 'TTS_VOICE_NAME' | 'TTS_SPEED'>;
  /** Gemini's handlers for the `/v1/models` requests that come from Gemini clients. */
  readonly gemini: GeminiHandlers;
}

const prefixes = ['/v1', '/hf/v1'];
// OpenAI lists models with a creation time; Google gives none. A fixed one keeps the list cacheable.
const modelCreated = 1_735_689_600;

/**
 * `GET /v1/models` answers both APIs: a request carrying its token the Gemini way (x-goog-api-key
 * or ?key=, as @google/genai sends it) gets Gemini's list; an OpenAI client (Bearer) gets OpenAI's.
 */
function isGeminiClient(request: FastifyRequest): boolean {
  return (
    typeof request.headers['x-goog-api-key'] === 'string' ||
    typeof (request.query as { key?: unknown }).key === 'string'
  );
}

/** The `-search`, `-image` and `-non-thinking` model names the settings offer. */
const modelListsOf = (settings: OpenAIRouteOptions['settings']) => ({
  searchModels: settings.SEARCH_MODELS,
  imageModels: settings.IMAGE_MODELS,
  thinkingModels: settings.THINKING_MODELS,
});

/**
 * OpenAI's API (chat, models, embeddings, images, speech) over Gemini, through the key pool; each
 * request is served with the version of the settings it took as it arrived (`optionsOf`).
 */
export async function openaiRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => OpenAIRouteOptions },
): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    const options = optionsOf(request);
    if (request.url.startsWith('/v1/models') && isGeminiClient(request)) {
      if (checkGeminiToken(options, request, reply)) done();
      return;
    }
    const check = options.checkToken(extractGeminiToken(request));
    if (typeof check === 'object') {
      rememberClient(request, check);
      return done();
    }
    sendOpenAIError(
      reply,
      401,
      check === 'missing'
        ? 'Missing API key: send your gemgate token as Authorization: Bearer <token>.'
        : 'Incorrect API key provided (gemgate token).',
    );
  });

  app.setErrorHandler(sendOpenAIRouteError);

  /**
   * One operation answered whole through the pipeline: Google's answer checked by `parse` and
   * turned into the client's by `answer` (a JSON value, or the answer itself).
   */
  async function relayed<T>(
    options: OpenAIRouteOptions,
    reply: FastifyReply,
    call: Omit<RelayCall, 'signal' | 'stream'>,
    parse: (body: Buffer) => ParsedAnswer<T>,
    answer: (value: T, index: number) => SurfaceAnswer | Promise<SurfaceAnswer>,
    calls = 1,
  ): Promise<FastifyReply> {
    await runWhole(options.relay, {
      call: { ...call, stream: false },
      surface: createOpenAIWholeSurface(parse, answer),
      channel: createClientChannel(reply, options.openStreams),
      calls,
    });
    return reply;
  }

  await app.register(openaiResponsesRoutes, { optionsOf });

  /** For answers the gateway does not read (models.get): any 200 will do. */
  const anyAnswer = (): ParsedAnswer<undefined> => ({ ok: true, value: undefined });

  async function listModels(options: OpenAIRouteOptions, reply: FastifyReply) {
    // One page of up to 1000 models covers Google's catalogue.
    return relayed(
      options,
      reply,
      {
        route: 'openai models.list',
        model: null,
        request: { method: 'GET', path: '/v1beta/models', query: 'pageSize=1000' },
      },
      parseModelListAnswer,
      (listed) => {
        const hidden = new Set(options.settings.FILTERED_MODELS);
        const ids = listed.filter((id) => !hidden.has(id));
        const derived = derivedModelNames(modelListsOf(options.settings));
        const drawing = imageChatModelOf(options.settings.CREATE_IMAGE_MODEL);
        return jsonAnswer({
          object: 'list',
          data: [...ids, ...derived, drawing].map((id) => ({
            id,
            object: 'model',
            created: modelCreated,
            owned_by: 'google',
          })),
        });
      },
    );
  }

  for (const prefix of prefixes) {
    app.post(`${prefix}/chat/completions`, (request, reply) =>
      handleChatCompletion(optionsOf(request), request, reply),
    );

    app.get(`${prefix}/models`, (request, reply) =>
      prefix === '/v1' && isGeminiClient(request)
        ? optionsOf(request).gemini.listModels('v1')(request, reply)
        : listModels(optionsOf(request), reply),
    );

    app.get<{ Params: { model: string } }>(`${prefix}/models/:model`, async (request, reply) => {
      const options = optionsOf(request);
      if (prefix === '/v1' && isGeminiClient(request)) return options.gemini.getModel('v1')(request, reply);
      const id = checkModelField(request.params.model, 'model');
      // The -chat image model is CREATE_IMAGE_MODEL's, under the name the client listed.
      const model =
        id === imageChatModelOf(options.settings.CREATE_IMAGE_MODEL)
          ? options.settings.CREATE_IMAGE_MODEL
          : resolveModel(id, modelListsOf(options.settings)).model;
      return relayed(
        options,
        reply,
        {
          route: 'openai models.get',
          model: null,
          request: {
            method: 'GET',
            path: `/v1beta/models/${encodeURIComponent(model)}`,
            query: '',
          },
        },
        anyAnswer,
        () => jsonAnswer({ id, object: 'model', created: modelCreated, owned_by: 'google' }),
      );
    });

    app.post(`${prefix}/embeddings`, async (request, reply) => {
      const options = optionsOf(request);
      const body = checkEmbeddingRequest(parseJsonBody(request));
      const model = (body.model as string).replace(/^models\//, '');
      const gemini = convertEmbeddingRequest(body, model);
      const tokens = gemini.requests.reduce(
        (sum, item) => sum + Math.ceil((item.content.parts[0]?.text.length ?? 0) / 4),
        0,
      );
      return relayed(
        options,
        reply,
        {
          route: 'openai embeddings',
          model,
          request: {
            method: 'POST',
            path: `/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`,
            query: '',
            body: Buffer.from(JSON.stringify(gemini)),
          },
        },
        (answer) => parseBatchEmbedAnswer(answer, gemini.requests.length),
        (vectors) =>
          jsonAnswer(
            convertEmbeddingResponse(
              vectors.map((values) => ({ values })),
              body.model as string,
              body.encoding_format ?? 'float',
              tokens,
            ),
          ),
      );
    });

    app.post(`${prefix}/images/generations`, async (request, reply) => {
      const options = optionsOf(request);
      const { settings } = options;
      const body = checkImageRequest(parseJsonBody(request));
      const model = (body.model || settings.CREATE_IMAGE_MODEL).replace(/^models\//, '');
      const asUrl = body.response_format === 'url';
      const base = () => publicBaseUrl(request, settings.PUBLIC_URL);
      const output = async (mimeType: string, data: string) =>
        asUrl ? { url: await linkImage(options, { mimeType, data }, base) } : { b64_json: data };
      const created = Math.floor(options.clock.now() / 1000);
      const call = (method: string, payload: unknown) => ({
        route: 'openai images.generations',
        model,
        request: {
          method: 'POST' as const,
          path: `/v1beta/models/${encodeURIComponent(model)}:${method}`,
          query: '',
          body: Buffer.from(JSON.stringify(payload)),
        },
      });
      if (isImagenModel(model)) {
        return relayed(
          { ...options, relay: options.imageRelay },
          reply,
          call('predict', convertImagenRequest(body)),
          parsePredictAnswer,
          async (predictions) =>
            jsonAnswer({
              created,
              data: await Promise.all(
                predictions.map((prediction) =>
                  output(prediction.mimeType ?? 'image/png', prediction.bytesBase64Encoded as string),
                ),
              ),
            }),
        );
      }
      // A Gemini image model makes one image per call: n calls, each through the pool.
      const images: { mimeType: string; data: string }[] = [];
      const calls = body.n ?? 1;
      return relayed(
        { ...options, relay: options.imageRelay },
        reply,
        call('generateContent', convertGeminiImageRequest(body)),
        parseGeneratedFiles,
        (files, index) => {
          images.push(...files.filter((file) => file.mimeType.startsWith('image/')));
          if (index < calls - 1) return undefined;
          return Promise.all(images.map((image) => output(image.mimeType, image.data))).then((data) =>
            jsonAnswer({ created, data }),
          );
        },
        calls,
      );
    });

    app.post(`${prefix}/audio/speech`, (request, reply) => handleSpeech(optionsOf(request), request, reply));
  }
}
