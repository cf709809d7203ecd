import { estimateTokens } from './fake-answers.js';
import {
  type FakeError,
  invalidArgumentError,
  modelNotFoundError,
  unknownFieldError,
} from './fake-errors.js';
import { fileProblem } from './fake-file-parts.js';
import type { FakeFiles } from './fake-files.js';
import { findFakeModel } from './fake-models.js';
import { googleTime, newResourceId } from './fake-pages.js';
import { type FakeContent, type FakePart, field, isRecord } from './fake-request.js';
import { cachedContentPermissionError } from './fake-resource-errors.js';

// Google's cachedContents: contents (and a system instruction, tools) kept for a while under a
// name, for generateContent calls of the same model and the same project to start from.

/** Google's default time to live when a create names neither `ttl` nor `expireTime`. */
export const defaultCacheTtlMs = 60 * 60 * 1000;

export interface FakeCachedContentRecord {
  /** The id, without `cachedContents/`. */
  readonly id: string;
  readonly ownerKey: string;
  /** `models/<id>`, as Google answers it. */
  readonly model: string;
  readonly displayName?: string;
  readonly contents: readonly FakeContent[];
  readonly systemInstruction?: FakeContent;
  readonly tools?: readonly unknown[];
  readonly toolConfig?: unknown;
  readonly totalTokenCount: number;
  readonly createMs: number;
  updateMs: number;
  expireMs: number;
}

const createFields = new Set([
  'model',
  'contents',
  'systemInstruction',
  'system_instruction',
  'tools',
  'toolConfig',
  'tool_config',
  'ttl',
  'expireTime',
  'expire_time',
  'displayName',
  'display_name',
]);

/** A protobuf Duration in JSON: seconds with up to nine decimals, then `s` ("600s", "1.5s"). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+)(\.\d{1,9})?s$/.exec(value);
  if (!match) return undefined;
  return Math.round((Number(match[1]) + Number(match[2] ?? 0)) * 1000);
}

/** An RFC 3339 timestamp, as protobuf's Timestamp reads it. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(value)) return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

function durationProblem(name: string, value: unknown): FakeError {
  return invalidArgumentError(
    `Invalid value at 'cached_content.${name}' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(value)}`,
  );
}

function timestampProblem(name: string, value: unknown): FakeError {
  return invalidArgumentError(
    `Invalid value at 'cached_content.${name}' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(value)}`,
  );
}

/** The expiry a body asks for (`ttl` or `expireTime`), or the reason it cannot have it. */
function expiryOf(body: Record<string, unknown>, nowMs: number, required: boolean): number | FakeError {
  const ttl = field(body, 'ttl');
  const expireTime = field(body, 'expireTime');
  if (ttl !== undefined && expireTime !== undefined) {
    return invalidArgumentError('Only one of ttl and expire_time may be set.');
  }
  if (ttl !== undefined) {
    const ms = parseDuration(ttl);
    return ms === undefined ? durationProblem('ttl', ttl) : nowMs + ms;
  }
  if (expireTime !== undefined) {
    const ms = parseTimestamp(expireTime);
    if (ms === undefined) return timestampProblem('expire_time', expireTime);
    if (ms <= nowMs) return invalidArgumentError('expire_time must be in the future.');
    return ms;
  }
  return required
    ? invalidArgumentError('Either ttl or expire_time must be set.')
    : nowMs + defaultCacheTtlMs;
}

export function cachedContentJson(cache: FakeCachedContentRecord) {
  return {
    name: `cachedContents/${cache.id}`,
    model: cache.model,
    ...(cache.displayName === undefined ? {} : { displayName: cache.displayName }),
    createTime: googleTime(cache.createMs),
    updateTime: googleTime(cache.updateMs),
    expireTime: googleTime(cache.expireMs),
    usageMetadata: { totalTokenCount: cache.totalTokenCount },
  };
}

/** `cachedContents/x` or `x` → `x`. */
export function cachedContentIdOf(name: string): string {
  return name.replace(/^cachedContents\//, '');
}

export function createFakeCachedContents(now: () => number, files: FakeFiles) {
  const caches = new Map<string, FakeCachedContentRecord>();

  function live(id: string): FakeCachedContentRecord | undefined {
    const cache = caches.get(id);
    if (cache && cache.expireMs <= now()) {
      caches.delete(id);
      return undefined;
    }
    return cache;
  }

  function owned(key: string, id: string): FakeCachedContentRecord | FakeError {
    const cache = live(id);
    return cache && cache.ownerKey === key ? cache : cachedContentPermissionError();
  }

  return {
    owned,

    create(key: string, body: Record<string, unknown>): FakeCachedContentRecord | FakeError {
      for (const name of Object.keys(body)) {
        if (!createFields.has(name)) return unknownFieldError(name);
      }
      const model = body.model;
      if (typeof model !== 'string' || model === '') {
        return invalidArgumentError('* CreateCachedContentRequest.cached_content.model: model is required\n');
      }
      const modelId = model.replace(/^models\//, '');
      if (!findFakeModel(modelId)?.supportedGenerationMethods.includes('createCachedContent')) {
        return modelNotFoundError(modelId, 'v1beta', 'createCachedContent');
      }
      const contents = Array.isArray(body.contents) ? body.contents.filter(isRecord) : [];
      const systemInstruction = field(body, 'systemInstruction');
      const tools = field(body, 'tools');
      const toolConfig = field(body, 'toolConfig');
      const parts = [...contents, ...(isRecord(systemInstruction) ? [systemInstruction] : [])].flatMap(
        (content) => (Array.isArray(content.parts) ? (content.parts as FakePart[]) : []),
      );
      const problem = fileProblem(files, key, parts);
      if (problem) return problem;
      const nowMs = now();
      const expireMs = expiryOf(body, nowMs, false);
      if (typeof expireMs !== 'number') return expireMs;
      const displayName = field(body, 'displayName');
      const cache: FakeCachedContentRecord = {
        id: newResourceId(),
        ownerKey: key,
        model: `models/${modelId}`,
        ...(typeof displayName === 'string' ? { displayName } : {}),
        contents: contents as FakeContent[],
        ...(isRecord(systemInstruction) ? { systemInstruction: systemInstruction as FakeContent } : {}),
        ...(Array.isArray(tools) ? { tools } : {}),
        ...(toolConfig === undefined ? {} : { toolConfig }),
        totalTokenCount: estimateTokens([
          ...(contents as FakeContent[]),
          ...(isRecord(systemInstruction) ? [systemInstruction as FakeContent] : []),
        ]),
        createMs: nowMs,
        updateMs: nowMs,
        expireMs,
      };
      caches.set(cache.id, cache);
      return cache;
    },

    /** PATCH: only the expiry may change. `updateMask` is optional (the SDK sends none). */
    update(
      key: string,
      id: string,
      updateMask: string | null,
      body: Record<string, unknown>,
    ): FakeCachedContentRecord | FakeError {
      const cache = owned(key, id);
      if ('status' in cache) return cache;
      const masked = (updateMask ?? '')
        .split(',')
        .map((path) => path.trim())
        .filter((path) => path !== '');
      const unknown = masked.find((path) => !['ttl', 'expireTime', 'expire_time'].includes(path));
      if (unknown !== undefined) {
        return invalidArgumentError(
          `Invalid update_mask path ${JSON.stringify(unknown)}: only ttl and expire_time can be updated.`,
        );
      }
      const nowMs = now();
      const expireMs = expiryOf(body, nowMs, true);
      if (typeof expireMs !== 'number') return expireMs;
      cache.expireMs = expireMs;
      cache.updateMs = nowMs;
      return cache;
    },

    /** The caller's caches, newest first. */
    listOf(key: string): FakeCachedContentRecord[] {
      return [...caches.keys()]
        .map((id) => live(id))
        .filter((cache): cache is FakeCachedContentRecord => cache?.ownerKey === key)
        .sort((a, b) => b.createMs - a.createMs);
    },

    delete(key: string, id: string): FakeError | undefined {
      const cache = owned(key, id);
      if ('status' in cache) return cache;
      caches.delete(id);
      return undefined;
    },

    all(): FakeCachedContentRecord[] {
      return [...caches.keys()].map((id) => live(id)).filter((cache) => cache !== undefined);
    },

    reset() {
      caches.clear();
    },
  };
}

export type FakeCachedContents = ReturnType<typeof createFakeCachedContents>;
