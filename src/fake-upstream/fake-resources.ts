import type { IncomingMessage } from 'node:http';
import {
  cachedContentIdOf,
  cachedContentJson,
  createFakeCachedContents,
  type FakeCachedContentRecord,
} from './fake-cached-contents.js';
import { type FakeError, invalidArgumentError, invalidJsonError } from './fake-errors.js';
import { fileProblem, withFileMentions } from './fake-file-parts.js';
import { createFakeFiles, fileJson, type ResourceAnswer, uploadChunkGranularity } from './fake-files.js';

export type { ResourceAnswer } from './fake-files.js';

import { pageOf } from './fake-pages.js';
import { type FakeContent, type FakePart, field, isRecord } from './fake-request.js';
import {
  cachedModelMismatchError,
  cachedWithSettingsError,
  invalidPageTokenError,
} from './fake-resource-errors.js';

// The project-owned resources of the fake: files (and their uploads) and cachedContents, their HTTP
// routes, and what they change in generation calls that name them.

export interface ResourceRoute {
  readonly kind: 'resource';
  readonly version: string;
  readonly collection: 'files' | 'cachedContents';
  /** `/upload/<version>/files`: the start of a resumable upload. */
  readonly upload: boolean;
  readonly id?: string;
}

const resourcePattern = /^\/(upload\/)?(v1beta|v1alpha)\/(files|cachedContents)(?:\/([^/:]+))?$/;
const uploadPathPattern = /^\/upload\/(v1beta|v1alpha)\/files$/;

export function resourceRouteOf(path: string): ResourceRoute | undefined {
  const match = resourcePattern.exec(path);
  if (!match) return undefined;
  const [, upload, version = 'v1beta', collection, id] = match;
  if (upload && (collection !== 'files' || id !== undefined)) return undefined;
  return {
    kind: 'resource',
    version,
    collection: collection === 'files' ? 'files' : 'cachedContents',
    upload: upload !== undefined,
    ...(id === undefined ? {} : { id: decodeURIComponent(id) }),
  };
}

/** A chunk of a resumable upload: the upload path with its `upload_id`, which needs no key. */
export function isUploadChunk(path: string, query: URLSearchParams): boolean {
  return uploadPathPattern.test(path) && query.has('upload_id');
}

const isError = (value: object): value is FakeError => 'status' in value && 'body' in value;

function contentParts(contents: readonly unknown[]): FakePart[] {
  return contents.flatMap((content) => {
    const parts = field(content, 'parts');
    return Array.isArray(parts) ? (parts as FakePart[]) : [];
  });
}

export function createFakeResources(now: () => number) {
  const files = createFakeFiles(now);
  const caches = createFakeCachedContents(now, files);

  function page<T>(items: readonly T[], query: URLSearchParams, defaultSize: number, maxSize: number) {
    return pageOf(items, query.get('pageSize'), query.get('pageToken'), { defaultSize, maxSize });
  }

  function listAnswer<T>(
    field: string,
    items: readonly T[],
    query: URLSearchParams,
    sizes: [number, number],
  ): ResourceAnswer | FakeError {
    const result = page(items, query, ...sizes);
    if (result === 'bad-token') return invalidPageTokenError();
    // An empty list is `{}`: Google leaves out an empty repeated field.
    return {
      body: {
        ...(result.items.length === 0 ? {} : { [field]: result.items }),
        ...(result.nextPageToken === undefined ? {} : { nextPageToken: result.nextPageToken }),
      },
    };
  }

  function filesCall(
    key: string,
    method: string,
    route: ResourceRoute,
    query: URLSearchParams,
    origin: string,
  ): ResourceAnswer | FakeError {
    if (method === 'GET' && route.id === undefined) {
      // Google: 10 a page unless asked, at most 100.
      return listAnswer(
        'files',
        files.listOf(key).map((file) => fileJson(file, origin)),
        query,
        [10, 100],
      );
    }
    if (route.id !== undefined && method === 'GET') {
      const file = files.owned(key, route.id);
      return isError(file) ? file : { body: fileJson(file, origin) };
    }
    if (route.id !== undefined && method === 'DELETE') return files.delete(key, route.id) ?? { body: {} };
    return invalidArgumentError('Method not allowed for this resource.');
  }

  function cachesCall(
    key: string,
    method: string,
    route: ResourceRoute,
    query: URLSearchParams,
    parsed: Record<string, unknown> | undefined,
  ): ResourceAnswer | FakeError {
    const answer = (cache: FakeCachedContentRecord | FakeError) =>
      isError(cache) ? cache : { body: cachedContentJson(cache) };
    if (route.id === undefined) {
      if (method === 'GET') {
        return listAnswer('cachedContents', caches.listOf(key).map(cachedContentJson), query, [100, 1000]);
      }
      if (method === 'POST') return parsed ? answer(caches.create(key, parsed)) : invalidJsonError();
    } else {
      const id = cachedContentIdOf(route.id);
      if (method === 'GET') return answer(caches.owned(key, id));
      if (method === 'DELETE') return caches.delete(key, id) ?? { body: {} };
      if (method === 'PATCH') {
        return parsed ? answer(caches.update(key, id, query.get('updateMask'), parsed)) : invalidJsonError();
      }
    }
    return invalidArgumentError('Method not allowed for this resource.');
  }

  function resourceCall(
    key: string,
    request: IncomingMessage,
    route: ResourceRoute,
    query: URLSearchParams,
    body: Buffer,
    parsed: Record<string, unknown> | undefined,
    origin: string,
  ): ResourceAnswer | FakeError {
    const method = request.method ?? 'GET';
    if (route.upload) {
      if (method !== 'POST') return invalidArgumentError('Method not allowed for this resource.');
      if (body.length > 0 && !parsed) return invalidJsonError();
      const started = files.start(key, request, parsed);
      if (isError(started)) return started;
      const url = `${origin}/upload/${route.version}/files?upload_id=${started.uploadId}&upload_protocol=resumable`;
      return {
        headers: {
          'x-goog-upload-url': url,
          'x-goog-upload-control-url': url,
          'x-goog-upload-status': 'active',
          'x-goog-upload-chunk-granularity': String(uploadChunkGranularity),
        },
      };
    }
    return route.collection === 'files'
      ? filesCall(key, method, route, query, origin)
      : cachesCall(key, method, route, query, parsed);
  }

  return {
    files,
    caches,

    /** A call on `/v1beta/files...`, `/upload/v1beta/files` (start) or `/v1beta/cachedContents...`. */
    handle(
      key: string,
      request: IncomingMessage,
      route: ResourceRoute,
      query: URLSearchParams,
      body: Buffer,
      parsed: Record<string, unknown> | undefined,
      origin: string,
    ): ResourceAnswer {
      const answer = resourceCall(key, request, route, query, body, parsed, origin);
      return isError(answer) ? { error: answer } : answer;
    },

    /**
     * A generation call as the model sees it: every Files API file it names must be the caller's
     * (each gets a text part naming it after its own part), and a `cachedContent` must be the
     * caller's, for the same model, with no system instruction or tools beside it; its contents
     * come first. `cachedTokens` is the cache's size, for the usage.
     */
    resolveGenerate(
      key: string,
      modelId: string,
      request: Record<string, unknown>,
    ): { request: Record<string, unknown>; cachedTokens: number } | FakeError {
      const wrapped = isRecord(request.generateContentRequest);
      const inner = (wrapped ? request.generateContentRequest : request) as Record<string, unknown>;
      const contents = Array.isArray(inner.contents) ? inner.contents : [];
      const systemInstruction = field(inner, 'systemInstruction');
      const problem = fileProblem(files, key, contentParts([...contents, systemInstruction]));
      if (problem) return problem;
      const cacheName = field(inner, 'cachedContent');
      let cache: FakeCachedContentRecord | undefined;
      if (typeof cacheName === 'string') {
        const found = caches.owned(key, cachedContentIdOf(cacheName));
        if (isError(found)) return found;
        if (found.model !== `models/${modelId}`) return cachedModelMismatchError(modelId, found.model);
        if (
          systemInstruction !== undefined ||
          field(inner, 'tools') !== undefined ||
          field(inner, 'toolConfig') !== undefined
        ) {
          return cachedWithSettingsError();
        }
        cache = found;
      }
      const { cachedContent: _camel, cached_content: _snake, ...rest } = inner;
      const expanded: Record<string, unknown> = {
        ...rest,
        contents: [
          ...(cache?.contents ?? []),
          ...contents.map((content) =>
            isRecord(content) && Array.isArray(content.parts)
              ? { ...content, parts: withFileMentions(files, key, content.parts as FakePart[]) }
              : content,
          ),
        ] as FakeContent[],
        ...(cache?.systemInstruction ? { systemInstruction: cache.systemInstruction } : {}),
        ...(cache?.tools ? { tools: cache.tools } : {}),
        ...(cache?.toolConfig === undefined ? {} : { toolConfig: cache.toolConfig }),
      };
      return {
        request: wrapped ? { ...request, generateContentRequest: expanded } : expanded,
        cachedTokens: cache?.totalTokenCount ?? 0,
      };
    },

    reset() {
      files.reset();
      caches.reset();
    },
  };
}

/** An answer's usage with the cached tokens Google reports when a call starts from a cache. */
export function withCachedUsage<T>(value: T, cachedTokens: number): T {
  if (cachedTokens === 0 || !isRecord(value)) return value;
  if (!isRecord(value.usageMetadata)) return { ...value, cachedContentTokenCount: cachedTokens };
  return {
    ...value,
    usageMetadata: {
      ...value.usageMetadata,
      cachedContentTokenCount: cachedTokens,
      cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cachedTokens }],
    },
  };
}

export type FakeResources = ReturnType<typeof createFakeResources>;
