import type { AnswerProblem, ServedBy, WholeAnswer, WholeSurface } from '../generation-surface.js';

const jsonType = 'application/json; charset=UTF-8';

function isJsonObject(body: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Google's answer headers the Files API's client acts on; `x-goog-upload-url` only as rewritten. */
const uploadHeaders = [
  'x-goog-upload-status',
  'x-goog-upload-chunk-granularity',
  'x-goog-upload-size-received',
] as const;

export interface FilesSurfaceOptions {
  /**
   * The gateway's own URL for Google's upload URL (upload-session.ts), for the start of an upload;
   * undefined when Google's is none.
   */
  readonly uploadUrl?: (upstreamUrl: string, served: ServedBy) => string | undefined;
}

/**
 * The Files API as a surface: Google's answers passed on as they are — an upload's chunks are
 * answered with an empty body and the protocol's headers — with the upload URL pointing back at
 * the gateway. Errors are Google's own, or the gateway's in Google's shape.
 */
export function createFilesSurface(options: FilesSurfaceOptions = {}): WholeSurface {
  return {
    failure: (failure) => ({ status: failure.status, contentType: jsonType, body: failure.body }),
    answer(status, contentType, body, _index, served): WholeAnswer | AnswerProblem {
      const headers: Record<string, string> = {};
      for (const name of uploadHeaders) {
        const value = served.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      if (options.uploadUrl) {
        // An upload's start: without a URL to send the bytes to, the client cannot go on.
        const upstreamUrl = served.headers['x-goog-upload-url'];
        const url = upstreamUrl === undefined ? undefined : options.uploadUrl(upstreamUrl, served);
        if (url === undefined) return { problem: 'an upload’s start answered without an upload URL' };
        headers['x-goog-upload-url'] = url;
        headers['x-goog-upload-control-url'] = url;
      } else if (
        !(body.length === 0 && headers['x-goog-upload-status'] === 'active') &&
        !isJsonObject(body)
      ) {
        // Anything but an upload's empty acknowledgement is a JSON resource (or `{}`).
        return { problem: 'an answer that is not a JSON object' };
      }
      return { status, contentType: contentType || jsonType, body, headers };
    },
  };
}

/** Google's resource as an answer describes it: its name, when it expires, and its JSON. */
export interface DescribedResource {
  readonly name: string;
  readonly expiresAtMs: number;
  readonly resource: string;
}

/**
 * The resource an answer describes — a finished upload's `{file: {name, expirationTime}}`, or a
 * cache's `{name, expireTime}` — when its name matches `pattern`; undefined for another answer.
 * Without a readable time, Google's default life is assumed (`defaultLifeMs`).
 */
export function describedResourceOf(
  body: Buffer,
  kind: {
    readonly pattern: RegExp;
    readonly timeField: string;
    readonly wrapper?: string;
    readonly defaultLifeMs: number;
  },
): DescribedResource | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const value = (kind.wrapper ? (parsed as Record<string, unknown> | null)?.[kind.wrapper] : parsed) as
    | Record<string, unknown>
    | null
    | undefined;
  if (typeof value?.name !== 'string' || !kind.pattern.test(value.name)) return undefined;
  const time = value[kind.timeField];
  const expiresAtMs = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return {
    name: value.name,
    expiresAtMs: Number.isFinite(expiresAtMs) ? expiresAtMs : Date.now() + kind.defaultLifeMs,
    resource: JSON.stringify(value),
  };
}

/** The file a finished upload's answer names; Google keeps a file 48 hours. */
export const uploadedFileOf = (body: Buffer) =>
  describedResourceOf(body, {
    pattern: fileNamePattern,
    timeField: 'expirationTime',
    wrapper: 'file',
    defaultLifeMs: 48 * 3_600_000,
  });

/** The cache an answer describes; Google's default time to live is an hour. */
export const describedCacheOf = (body: Buffer) =>
  describedResourceOf(body, { pattern: cacheNamePattern, timeField: 'expireTime', defaultLifeMs: 3_600_000 });

/** A file's name as Google gives it: `files/` and 1 to 40 lower-case letters, digits or dashes. */
export const fileNamePattern = /^files\/[a-z0-9-]{1,40}$/;
/** A cached content's name as Google gives it. */
export const cacheNamePattern = /^cachedContents\/[a-z0-9-]{1,64}$/;

/**
 * The files a generation request names in its parts (`fileData.fileUri`: Google's URL of the file,
 * or `files/{id}`), each once. Other URIs (YouTube, gs://) name no file of the Files API.
 */
export function filesNamedIn(body: unknown): string[] {
  const names = new Set<string>();
  const contents = (body as { contents?: unknown } | null)?.contents;
  if (!Array.isArray(contents)) return [];
  for (const content of contents) {
    const parts = (content as { parts?: unknown } | null)?.parts;
    if (!Array.isArray(parts)) continue;
    for (const part of parts) {
      const uri = (part as { fileData?: { fileUri?: unknown } } | null)?.fileData?.fileUri;
      if (typeof uri !== 'string') continue;
      const match = /(?:^|\/v1(?:beta|alpha)?\/)(files\/[a-z0-9-]{1,40})$/.exec(uri);
      if (match?.[1]) names.add(match[1]);
    }
  }
  return [...names];
}
