import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildAnswer,
  countTokensResponse,
  embedValues,
  type FakeEmbedRequest,
  type FakeGenerateRequest,
  generateResponse,
  streamResponses,
} from './fake-answers.js';
import {
  appliesTo,
  behaviourOfKey,
  type FakeBehaviour,
  isFakeBehaviour,
  isMalformedBehaviour,
  malformedBody,
} from './fake-behaviour.js';
import { generateRequestProblem } from './fake-checks.js';
import {
  deadlineError,
  type FakeError,
  inputTokenQuotaError,
  internalError,
  invalidArgumentError,
  invalidJsonError,
  invalidKeyError,
  locationNotSupportedError,
  modelNotFoundError,
  overloadedError,
  perDayQuotaError,
  perMinuteQuotaError,
  suspendedError,
  unknownModelError,
  unknownQuotaError,
  unregisteredCallerError,
} from './fake-errors.js';
import { type FakePredictRequest, predictProblem, predictResponse } from './fake-imagen.js';
import { fakeModels, findFakeModel } from './fake-models.js';
import { carriesOauthToken, oauthTokenError } from './fake-oauth-error.js';
import {
  chatCompletion,
  chatCompletionChunks,
  chatToGenerateRequest,
  embeddingsProblem,
  embeddingsResponse,
  type FakeChatRequest,
  type FakeEmbeddingsRequest,
  openAiModel,
  openAiModelId,
} from './fake-openai.js';
import { requestShapeProblem } from './fake-request-shape.js';
import {
  createFakeResources,
  isUploadChunk,
  type ResourceAnswer,
  type ResourceRoute,
  resourceRouteOf,
  withCachedUsage,
} from './fake-resources.js';

export interface FakeUpstreamOptions {
  readonly port?: number;
  readonly host?: string;
  /** How long `slow` keys wait before answering. */
  readonly slowMs?: number;
  /** The RetryInfo delay `quota-minute` keys report. */
  readonly retryDelaySeconds?: number;
  /** `limited` keys answer this many generation calls per model and window, then 429 until it ends. */
  readonly limitRequests?: number;
  readonly limitWindowSeconds?: number;
  /** How many recent requests `requests` keeps (200 by default). */
  readonly recordLimit?: number;
  /**
   * A per-minute input-token quota (free tier: 250 000 for Flash), estimated at four bytes of body a
   * token: a generation call larger than it is refused with the token quota's 429 by every key, as
   * Google refuses one request bigger than the project's minute allows. Off unless set.
   */
  readonly inputTokensPerMinute?: number;
  /** The clock files and cachedContents expire by (epoch ms); `Date.now` unless set. */
  readonly now?: () => number;
}

/** A file or cached content the fake holds, and the key whose project owns it. */
export interface FakeResourceView {
  readonly name: string;
  readonly ownerKey: string;
}

export interface RecordedRequest {
  readonly key: string | undefined;
  /** `bearer`: an `Authorization: Bearer` key, which only the OpenAI-compatible paths read. */
  readonly keySource: 'header' | 'query' | 'bearer' | 'none';
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** When the request arrived (epoch ms). */
  readonly atMs: number;
  /** The status answered, once the answer is sent; undefined if the connection was cut. */
  readonly status?: number;
  /** When the answer was complete (epoch ms). */
  readonly answeredAtMs?: number;
  /** The error body answered, for an error. */
  readonly errorBody?: string;
}

export interface FakeUpstream {
  readonly url: string;
  readonly port: number;
  /** Makes the key behave this way; a list is consumed one call at a time and its last entry stays. */
  script(key: string, behaviour: FakeBehaviour | readonly FakeBehaviour[]): void;
  /** Calls received per key since the last reset. */
  calls(): Readonly<Record<string, number>>;
  callsFor(key: string): number;
  /** Responses the caller abandoned before they were complete (the gateway aborting upstream). */
  abandoned(): number;
  /** The most recent requests, oldest first (at most 200). */
  readonly requests: readonly RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  /** Every live uploaded file (metadata only: the fake never keeps the bytes). */
  files(): readonly (FakeResourceView & { readonly sizeBytes: string; readonly sha256Hash: string })[];
  /** Every live cached content. */
  cachedContents(): readonly (FakeResourceView & { readonly model: string; readonly expireTime: string })[];
  /** The largest piece of an upload body the fake held in memory at once, since the last reset. */
  uploadPeakBufferedBytes(): number;
  /** Forgets every call, script and count; files and cached contents too. */
  reset(): void;
  close(): Promise<void>;
}

const jsonType = 'application/json; charset=UTF-8';
const generationMethods = new Set([
  'generateContent',
  'streamGenerateContent',
  'countTokens',
  'embedContent',
  'batchEmbedContents',
  'predict',
]);
const routePattern = /^\/(v1beta|v1alpha|v1)\/models(?:\/([^/:]+)(?::([A-Za-z]+))?)?$/;
// Vertex AI's express mode: the Gemini API's model calls under its publisher path
// (`/v1beta1/publishers/google/models/{model}:generateContent`), with the same bodies and errors.
const vertexPattern = /^\/(?:v1beta1|v1)\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/;
const openAiPattern =
  /^\/v1beta\/openai\/(?:(chat\/completions|embeddings)|models(?:\/(?:models\/)?([^/]+))?)$/;

type Route =
  | { readonly kind: 'native'; readonly version: string; readonly modelId?: string; readonly method?: string }
  | ResourceRoute
  | {
      readonly kind: 'openai';
      readonly endpoint: 'chat/completions' | 'embeddings' | 'models';
      readonly modelId?: string;
    };

function routeOf(path: string): Route | undefined {
  const resource = resourceRouteOf(path);
  if (resource) return resource;
  const native = routePattern.exec(path);
  if (native) {
    const [, version = 'v1beta', modelId, method] = native;
    return { kind: 'native', version, modelId, method };
  }
  const vertex = vertexPattern.exec(path);
  if (vertex) {
    const [, modelId, method] = vertex;
    return { kind: 'native', version: 'v1beta', modelId, method };
  }
  const openAi = openAiPattern.exec(path);
  if (!openAi) return undefined;
  const [, endpoint, modelId] = openAi;
  return endpoint === 'chat/completions' || endpoint === 'embeddings'
    ? { kind: 'openai', endpoint }
    : { kind: 'openai', endpoint: 'models', modelId };
}

export async function createFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const slowMs = options.slowMs ?? 2000;
  const retryDelaySeconds = options.retryDelaySeconds ?? 26;
  const recordLimit = options.recordLimit ?? 200;
  const limitRequests = options.limitRequests ?? 5;
  const limitWindowMs = (options.limitWindowSeconds ?? 60) * 1000;
  const windows = new Map<string, { startMs: number; count: number }>();
  const errorBodies = new WeakMap<ServerResponse, string>();
  const scripts = new Map<string, FakeBehaviour[]>();
  const callCounts = new Map<string, number>();
  const flakyCounts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let responseCounter = 0;
  let abandonedCount = 0;
  /** Responses the fake cut on purpose (drop, reset): not abandoned by the caller. */
  const cut = new WeakSet<ServerResponse>();
  const resources = createFakeResources(options.now ?? Date.now);

  function behaviourFor(key: string): FakeBehaviour {
    const script = scripts.get(key);
    if (!script) return behaviourOfKey(key);
    const next = script.length > 1 ? script.shift() : script[0];
    return next ?? 'ok';
  }

  function sendError(response: ServerResponse, error: FakeError, contentType = jsonType): void {
    const body = JSON.stringify(error.body);
    errorBodies.set(response, body);
    response.writeHead(error.status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  /** A resource call's answer: its headers, then its JSON body, an empty body, or its error. */
  function sendResource(response: ServerResponse, answer: ResourceAnswer): void {
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    if (answer.error) sendError(response, answer.error);
    else if (answer.body !== undefined) sendJson(response, answer.body);
    else {
      response.writeHead(200, { 'content-length': 0 });
      response.end();
    }
  }

  function sendJson(response: ServerResponse, value: unknown): void {
    const body = JSON.stringify(value);
    response.writeHead(200, { 'content-type': jsonType, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  function nextResponseId(): string {
    responseCounter += 1;
    return `fake${responseCounter.toString(36).padStart(18, '0')}`;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Taken before the body is read: the moment the call reached the fake, for benchmarks that
    // judge when the gateway sent it.
    const arrivedMs = Date.now();
    const rawUrl = request.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    // An upload chunk streams through (its bytes are never held whole); its upload_id is its
    // authority, so it is recorded without a key and counts for none.
    const chunk = isUploadChunk(path, query);
    const body = chunk ? Buffer.alloc(0) : await readBody(request);

    if (path.startsWith('/__fake/')) return control(path, body, response);

    const route = routeOf(path);
    const { key, keySource } = chunk
      ? ({ key: undefined, keySource: 'none' } as const)
      : keyOf(request, query, route?.kind === 'openai');
    const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = {
      key,
      keySource,
      method: request.method ?? 'GET',
      url: rawUrl,
      headers: { ...request.headers },
      body: body.toString('utf8'),
      atMs: arrivedMs,
    };
    response.once('finish', () => {
      record.status = response.statusCode;
      record.answeredAtMs = Date.now();
      const errorBody = errorBodies.get(response);
      if (errorBody !== undefined) record.errorBody = errorBody;
    });
    requests.push(record);
    if (requests.length > recordLimit) requests.shift();
    if (chunk)
      return sendResource(response, await resources.files.receive(request, query.get('upload_id'), fake.url));

    if (!route) {
      response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      response.end(
        '<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p>404. That’s an error.',
      );
      return;
    }
    const parsed = parseObject(body);
    // Google's OpenAI-compatible endpoint wraps the usual error body in an array.
    const fail = (error: FakeError, contentType = jsonType) =>
      sendError(
        response,
        route.kind === 'openai' ? { status: error.status, body: [error.body] } : error,
        contentType,
      );
    if (carriesOauthToken(query)) return fail(oauthTokenError());
    if (!key) return fail(unregisteredCallerError());
    callCounts.set(key, (callCounts.get(key) ?? 0) + 1);

    const streams = route.kind === 'native' && route.method === 'streamGenerateContent';
    const isGenerationCall =
      route.kind === 'native'
        ? route.method !== undefined && generationMethods.has(route.method)
        : route.kind === 'openai' && route.endpoint !== 'models';
    const modelId =
      route.kind === 'openai' && route.endpoint !== 'models'
        ? (openAiModelId(parsed?.model) ?? '')
        : route.kind === 'resource'
          ? ''
          : (route.modelId ?? '');
    let behaviour = behaviourFor(key);
    if (!appliesTo(behaviour, isGenerationCall)) behaviour = 'ok';
    if (behaviour === 'flaky') {
      const count = (flakyCounts.get(key) ?? 0) + 1;
      flakyCounts.set(key, count);
      behaviour = count % 2 === 1 ? 'overloaded' : 'ok';
    }
    const failure =
      behaviour === 'limited'
        ? windowLimit(key, modelId)
        : (failureFor(behaviour, key, modelId) ?? tokenQuotaFailure(isGenerationCall, body.length, modelId));
    if (failure) return fail(failure, streams ? contentTypeOf(query) : jsonType);
    if (behaviour === 'reset') {
      cut.add(response);
      request.socket.destroy();
      return;
    }
    // Only the key's own behaviours (invalid, suspended, reset) reach files and cachedContents.
    if (route.kind === 'resource') {
      return sendResource(response, resources.handle(key, request, route, query, body, parsed, fake.url));
    }
    if (behaviour === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
    if (isMalformedBehaviour(behaviour)) {
      const method = route.kind === 'native' ? (route.method ?? '') : route.endpoint;
      const body = malformedBody(behaviour, method);
      response.writeHead(200, { 'content-type': streams ? contentTypeOf(query) : jsonType });
      response.end(body);
      return;
    }

    if (route.kind === 'openai') return openAi(request, response, route, parsed, behaviour, fail);

    const { version, method } = route;
    if (request.method === 'GET' && !modelId) return listModels(query, response);
    if (request.method === 'GET' && modelId && !method) {
      const model = findFakeModel(modelId);
      return model ? sendJson(response, model) : fail(unknownModelError(modelId, version));
    }
    if (request.method !== 'POST' || !modelId || !method) {
      return fail(invalidArgumentError('Method not allowed for this resource.'));
    }
    const model = findFakeModel(modelId);
    const supported = method === 'streamGenerateContent' ? 'generateContent' : method;
    if (
      !model?.supportedGenerationMethods.includes(
        supported === 'batchEmbedContents' ? 'embedContent' : supported,
      )
    ) {
      return fail(modelNotFoundError(modelId, version, supported), streams ? contentTypeOf(query) : jsonType);
    }
    if (!parsed) return fail(invalidJsonError());
    const shapeProblem = requestShapeProblem(method, parsed, body, version);
    if (shapeProblem) return fail(shapeProblem);
    // The files and the cachedContent a generation call names: the caller's project must own them.
    const resolved = resources.resolveGenerate(key, modelId, parsed);

    switch (method) {
      case 'generateContent':
      case 'streamGenerateContent': {
        const problem = generateRequestProblem(modelId, version, parsed);
        if (problem) return fail(problem);
        if ('status' in resolved) return fail(resolved, streams ? contentTypeOf(query) : jsonType);
        const { cachedTokens } = resolved;
        const answer = buildAnswer(modelId, resolved.request as FakeGenerateRequest);
        if (method === 'generateContent') {
          const value = withCachedUsage(generateResponse(modelId, answer, nextResponseId()), cachedTokens);
          return sendGenerate(response, value, behaviour);
        }
        const chunks = streamResponses(modelId, answer, nextResponseId());
        const values = chunks.map((chunk) => withCachedUsage(chunk, cachedTokens));
        return sendStream(response, values, query, behaviour);
      }
      case 'countTokens': {
        if ('status' in resolved) return fail(resolved);
        const counted = countTokensResponse(resolved.request as FakeGenerateRequest);
        return sendJson(response, withCachedUsage(counted, resolved.cachedTokens));
      }
      case 'embedContent':
        return sendJson(response, {
          embedding: { values: embedValues(modelId, parsed as FakeEmbedRequest) },
        });
      case 'batchEmbedContents': {
        const items = (parsed as { requests?: (FakeEmbedRequest & { model?: string })[] }).requests;
        if (!Array.isArray(items) || items.length === 0) {
          return fail(
            invalidArgumentError('* BatchEmbedContentsRequest.requests: requests is not specified\n'),
          );
        }
        if (items.some((item) => item.model !== undefined && item.model !== `models/${modelId}`)) {
          return fail(
            invalidArgumentError(`* BatchEmbedContentsRequest.model: unexpected model name format\n`),
          );
        }
        return sendJson(response, {
          embeddings: items.map((item) => ({ values: embedValues(modelId, item) })),
        });
      }
      case 'predict': {
        const problem = predictProblem(parsed as FakePredictRequest);
        if (problem) return fail(problem);
        return sendGenerate(response, predictResponse(parsed as FakePredictRequest), behaviour);
      }
      default:
        return fail(invalidArgumentError(`Method ${method} is not supported by the fake upstream.`));
    }
  }

  /** `/v1beta/openai/...`: chat completions, embeddings and the model list in OpenAI's shapes. */
  function openAi(
    request: IncomingMessage,
    response: ServerResponse,
    route: Extract<Route, { kind: 'openai' }>,
    parsed: Record<string, unknown> | undefined,
    behaviour: FakeBehaviour,
    fail: (error: FakeError) => void,
  ) {
    if (route.endpoint === 'models') {
      if (request.method !== 'GET')
        return fail(invalidArgumentError('Method not allowed for this resource.'));
      if (route.modelId === undefined) {
        return sendJson(response, { object: 'list', data: fakeModels.map(openAiModel) });
      }
      const model = findFakeModel(route.modelId);
      return model
        ? sendJson(response, openAiModel(model))
        : fail(unknownModelError(route.modelId, 'v1beta'));
    }
    if (request.method !== 'POST') return fail(invalidArgumentError('Method not allowed for this resource.'));
    if (!parsed) return fail(invalidJsonError());
    const modelId = openAiModelId(parsed.model);
    if (modelId === undefined) return fail(invalidArgumentError('model is not specified.'));
    const method = route.endpoint === 'embeddings' ? 'embedContent' : 'generateContent';
    if (!findFakeModel(modelId)?.supportedGenerationMethods.includes(method)) {
      return fail(modelNotFoundError(modelId, 'v1beta', method));
    }
    if (route.endpoint === 'embeddings') {
      const problem = embeddingsProblem(parsed as FakeEmbeddingsRequest);
      if (problem) return fail(problem);
      return sendGenerate(response, embeddingsResponse(modelId, parsed as FakeEmbeddingsRequest), behaviour);
    }
    const chat = parsed as FakeChatRequest;
    const generateRequest = chatToGenerateRequest(chat);
    const problem = generateRequestProblem(modelId, 'v1beta', generateRequest);
    if (problem) return fail(problem);
    const answer = buildAnswer(modelId, generateRequest);
    const id = nextResponseId();
    const created = Math.floor(Date.now() / 1000);
    if (chat.stream !== true)
      return sendGenerate(response, chatCompletion(modelId, answer, id, created), behaviour);
    const includeUsage = chat.stream_options?.include_usage === true;
    const frames = chatCompletionChunks(modelId, answer, id, created, includeUsage).map(
      (chunk) => `data: ${JSON.stringify(chunk)}\n\n`,
    );
    return sendFrames(response, [...frames, 'data: [DONE]\n\n'], 'text/event-stream', behaviour);
  }

  /** A quota like Google's: so many calls per project, model and window, then 429 until it ends. */
  function windowLimit(key: string, modelId: string): FakeError | undefined {
    const now = Date.now();
    const name = `${key} ${modelId}`;
    let window = windows.get(name);
    if (!window || now - window.startMs >= limitWindowMs) {
      window = { startMs: now, count: 0 };
      windows.set(name, window);
    }
    if (window.count < limitRequests) {
      window.count += 1;
      return undefined;
    }
    return perMinuteQuotaError(modelId, Math.ceil((window.startMs + limitWindowMs - now) / 1000));
  }

  function tokenQuotaFailure(generates: boolean, bodyBytes: number, modelId: string): FakeError | undefined {
    const limit = options.inputTokensPerMinute;
    if (!generates || limit === undefined || bodyBytes / 4 <= limit) return undefined;
    return inputTokenQuotaError(modelId, limit, retryDelaySeconds);
  }

  function failureFor(behaviour: FakeBehaviour, key: string, modelId: string): FakeError | undefined {
    switch (behaviour) {
      case 'invalid':
        return invalidKeyError();
      case 'suspended':
        return suspendedError(key);
      case 'precondition':
        return locationNotSupportedError();
      case 'quota-minute':
        return perMinuteQuotaError(modelId, retryDelaySeconds);
      case 'quota-day':
        return perDayQuotaError(modelId);
      case 'quota-unknown':
        return unknownQuotaError();
      case 'internal':
        return internalError();
      case 'overloaded':
        return overloadedError();
      case 'deadline':
        return deadlineError();
      default:
        return undefined;
    }
  }

  function listModels(query: URLSearchParams, response: ServerResponse): void {
    const pageSize = Math.min(Math.max(Number(query.get('pageSize')) || 50, 1), 1000);
    const token = query.get('pageToken');
    const offset = token
      ? Number(Buffer.from(token, 'base64url').toString('utf8').replace('offset:', '')) || 0
      : 0;
    const models = fakeModels.slice(offset, offset + pageSize);
    const next = offset + pageSize < fakeModels.length ? offset + pageSize : undefined;
    sendJson(response, {
      models,
      ...(next === undefined ? {} : { nextPageToken: Buffer.from(`offset:${next}`).toString('base64url') }),
    });
  }

  function sendGenerate(response: ServerResponse, value: unknown, behaviour: FakeBehaviour): void {
    const body = JSON.stringify(value);
    response.writeHead(200, { 'content-type': jsonType, 'content-length': Buffer.byteLength(body) });
    if (behaviour === 'stall') {
      response.flushHeaders();
      return;
    }
    if (behaviour === 'drop') {
      response.write(body.slice(0, body.length >> 1));
      cut.add(response);
      setImmediate(() => response.socket?.destroy());
      return;
    }
    response.end(body);
  }

  function sendStream(
    response: ServerResponse,
    chunks: unknown[],
    query: URLSearchParams,
    behaviour: FakeBehaviour,
  ) {
    const sse = query.get('alt') === 'sse';
    const frames = chunks.map((chunk, index) => {
      const json = JSON.stringify(chunk);
      if (sse) return `data: ${json}\r\n\r\n`;
      return `${index === 0 ? '[' : ',\r\n'}${json}`;
    });
    if (!sse) frames.push(']');
    sendFrames(response, frames, sse ? 'text/event-stream' : jsonType, behaviour);
  }

  function sendFrames(
    response: ServerResponse,
    frames: string[],
    contentType: string,
    behaviour: FakeBehaviour,
  ) {
    response.writeHead(200, { 'content-type': contentType });
    if (behaviour === 'stall' || behaviour === 'drop') {
      response.write(frames[0]);
      if (behaviour === 'drop') {
        // Half an event, then the connection dies: a relay must not forward the torn event.
        const next = frames[1] ?? '';
        response.write(next.slice(0, next.length >> 1));
        cut.add(response);
        setImmediate(() => response.socket?.destroy());
      }
      return;
    }
    for (const frame of frames) response.write(frame);
    response.end();
  }

  function control(path: string, body: Buffer, response: ServerResponse) {
    if (path === '/__fake/stats') return sendJson(response, { calls: Object.fromEntries(callCounts) });
    if (path === '/__fake/journal') {
      // Every recorded call without headers and bodies: what a benchmark needs to judge the pool.
      const journal = requests.map(({ headers: _headers, body: _body, ...call }) => call);
      return sendJson(response, { requests: journal });
    }
    if (path === '/__fake/reset') {
      fake.reset();
      return sendJson(response, {});
    }
    if (path === '/__fake/script') {
      try {
        const { key, behaviour } = JSON.parse(body.toString('utf8')) as {
          key?: unknown;
          behaviour?: unknown;
        };
        const list = Array.isArray(behaviour) ? behaviour : [behaviour];
        if (typeof key !== 'string' || list.length === 0 || !list.every(isFakeBehaviour))
          throw new Error('bad script');
        fake.script(key, list);
        return sendJson(response, {});
      } catch {
        return sendError(
          response,
          invalidArgumentError('expected {"key": string, "behaviour": behaviour | behaviour[]}'),
        );
      }
    }
    return sendError(response, invalidArgumentError('unknown control path'));
  }

  const server = createServer((request, response) => {
    response.once('close', () => {
      if (!response.writableFinished && !closing && !cut.has(response)) abandonedCount += 1;
    });
    handle(request, response).catch(() => {
      if (!response.headersSent) sendError(response, internalError());
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  let closing = false;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;

  const fake: FakeUpstream = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    script(key, behaviour) {
      scripts.set(key, typeof behaviour === 'string' ? [behaviour] : [...behaviour]);
    },
    calls: () => Object.fromEntries(callCounts),
    callsFor: (key) => callCounts.get(key) ?? 0,
    abandoned: () => abandonedCount,
    requests,
    lastRequest: () => requests.at(-1),
    files: () =>
      resources.files.all().map((file) => ({
        name: `files/${file.id}`,
        ownerKey: file.ownerKey,
        sizeBytes: String(file.sizeBytes),
        sha256Hash: file.sha256Hash,
      })),
    cachedContents: () =>
      resources.caches.all().map((cache) => ({
        name: `cachedContents/${cache.id}`,
        ownerKey: cache.ownerKey,
        model: cache.model,
        expireTime: new Date(cache.expireMs).toISOString(),
      })),
    uploadPeakBufferedBytes: () => resources.files.peakBufferedBytes(),
    reset() {
      scripts.clear();
      callCounts.clear();
      flakyCounts.clear();
      windows.clear();
      requests.length = 0;
      abandonedCount = 0;
      resources.reset();
    },
    close() {
      closing = true;
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function contentTypeOf(query: URLSearchParams): string {
  // Google keeps the stream's content type on an error that precedes the stream.
  return query.get('alt') === 'sse' ? 'text/event-stream' : jsonType;
}

/** The key as Google reads it: header, then `?key=`, then (OpenAI-compatible paths only) a Bearer token. */
function keyOf(
  request: IncomingMessage,
  query: URLSearchParams,
  readsBearer: boolean,
): Pick<RecordedRequest, 'key' | 'keySource'> {
  const header = request.headers['x-goog-api-key'];
  if (typeof header === 'string') return { key: header, keySource: 'header' };
  const fromQuery = query.get('key');
  if (fromQuery) return { key: fromQuery, keySource: 'query' };
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (readsBearer && bearer) return { key: bearer, keySource: 'bearer' };
  return { key: undefined, keySource: 'none' };
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
