import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { UpstreamBase } from '../config/parse-base-url.js';

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** From the API version on, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  readonly path: string;
  /** Query string without `?`; never carries a key. */
  readonly query: string;
  readonly body?: Buffer;
  readonly apiKey: string;
  readonly signal?: AbortSignal;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
}

export interface GeminiClient {
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export interface GeminiClientOptions {
  readonly base: UpstreamBase;
  /** Longest wait for the response head, and for each body chunk after it (TIME_OUT). */
  readonly timeoutMs: number;
}

/** The only outbound I/O to Google: one keep-alive connection pool, the key in a header only. */
export function createGeminiClient(options: GeminiClientOptions): GeminiClient {
  const pool = new Pool(options.base.origin, {
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  });
  const prefix = options.base.pathPrefix;
  const jsonHeaders = { 'content-type': 'application/json' };

  return {
    async send(request) {
      const { statusCode, headers, body } = await pool.request({
        method: request.method,
        path: request.query ? `${prefix}${request.path}?${request.query}` : `${prefix}${request.path}`,
        headers: request.body
          ? { ...jsonHeaders, 'x-goog-api-key': request.apiKey }
          : { 'x-goog-api-key': request.apiKey },
        body: request.body ?? null,
        signal: request.signal ?? null,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      return { statusCode, headers, body };
    },
    close: () => pool.close(),
  };
}

/** How a failed call to Google failed, in the terms the key pool classifies. */
export function describeNetworkError(error: unknown): 'timeout' | 'connection' | 'aborted' {
  const code = (error as { code?: string } | null)?.code ?? '';
  const name = (error as { name?: string } | null)?.name ?? '';
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return 'aborted';
  if (code.endsWith('_TIMEOUT') || code === 'ETIMEDOUT') return 'timeout';
  return 'connection';
}
