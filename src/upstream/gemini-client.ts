import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import type { UpstreamBase } from '../config/parse-base-url.js';
import type { Cancellation } from '../core/cancellation.js';

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** From the API version on, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  readonly path: string;
  /** Query string without `?`; never carries a key. */
  readonly query: string;
  readonly body?: Buffer;
  /** Send the key as `Authorization: Bearer` (Google's OpenAI-compatible endpoint) instead of x-goog-api-key. */
  readonly bearer?: boolean;
}

/** Receives the rest of a streamed answer: data chunks, then exactly one of `end` or `error`. */
export interface StreamSink {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
}

/** The part of a streamed answer after its first chunk, delivered once a sink is attached. */
export interface UpstreamStream {
  pipe(sink: StreamSink): void;
  pause(): void;
  resume(): void;
  /** Stops the upstream call (the client went away). */
  cancel(): void;
}

export type UpstreamAnswer =
  | {
      readonly kind: 'complete';
      readonly statusCode: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: Buffer;
    }
  | {
      readonly kind: 'stream';
      readonly statusCode: number;
      readonly headers: IncomingHttpHeaders;
      readonly first: Buffer;
      readonly rest: UpstreamStream;
    };

export interface GeminiClient {
  /**
   * Calls Google with `apiKey` in the `x-goog-api-key` header. An error answer, and any answer when
   * `stream` is false, resolves once complete. A successful stream resolves at its first chunk, so
   * a failure before any byte can still be retried elsewhere. Rejects on network errors and timeouts.
   */
  send(
    request: UpstreamRequest,
    apiKey: string,
    stream: boolean,
    signal?: Cancellation,
    stillUsable?: () => boolean,
  ): Promise<UpstreamAnswer>;
  close(): Promise<void>;
}

export interface GeminiClientOptions {
  readonly base: UpstreamBase;
  /** Longest wait for the response head, and for each body chunk after it (TIME_OUT). */
  readonly timeoutMs: number;
  /** CUSTOM_HEADERS: added to every upstream request (never overriding the key or content type). */
  readonly customHeaders?: Readonly<Record<string, string>>;
}

/** A call not sent because its key stopped serving between choice and send. */
export class KeyWithdrawnError extends Error {
  override readonly name = 'KeyWithdrawnError';
}

class ClientGoneError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'UND_ERR_ABORTED';
}

/**
 * One upstream exchange as an undici dispatch handler. Bodies go straight into a buffer or to the
 * stream's sink, with no Readable stream in between: on the hot path that machinery cost more CPU
 * than the gateway's own logic.
 */
class Exchange implements Dispatcher.DispatchHandler, UpstreamStream {
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private streaming = false;
  private handedOver = false;
  private sink: StreamSink | undefined;
  private finished: { error?: Error } | undefined;
  private readonly onCancel = () => this.controller?.abort(new ClientGoneError('the client went away'));

  constructor(
    private readonly stream: boolean,
    private readonly signal: Cancellation | undefined,
    private readonly stillUsable: (() => boolean) | undefined,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  // Called as the request is about to go on the wire, which may be a while after its key was
  // chosen (a connection had to be opened or freed). If the pool has since learned the key cannot
  // serve — another request just got its 429 — the call is withdrawn rather than spent.
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stillUsable && !this.stillUsable()) {
      controller.abort(new KeyWithdrawnError('the key stopped serving before the call was sent'));
      return;
    }
    if (this.signal?.aborted) this.onCancel();
    else this.signal?.once('abort', this.onCancel);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.statusCode = statusCode;
    this.headers = headers;
    this.streaming = this.stream && statusCode < 400;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.sink) {
      this.sink.data(chunk);
    } else if (!this.streaming) {
      this.chunks.push(chunk);
    } else if (!this.handedOver) {
      this.handedOver = true;
      this.resolve({
        kind: 'stream',
        statusCode: this.statusCode,
        headers: this.headers,
        first: chunk,
        rest: this,
      });
    } else {
      // Arrived before the consumer attached its sink: hold it, and hold the socket too.
      this.chunks.push(chunk);
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.release();
    if (this.handedOver) this.finish({});
    else
      this.resolve({
        kind: 'complete',
        statusCode: this.statusCode,
        headers: this.headers,
        body: this.body(),
      });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.release();
    if (this.handedOver) this.finish({ error });
    else this.reject(error);
  }

  pipe(sink: StreamSink): void {
    this.sink = sink;
    for (const chunk of this.chunks) sink.data(chunk);
    this.chunks = [];
    if (this.finished) this.deliverEnd(this.finished);
    else this.controller?.resume();
  }

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  cancel(): void {
    this.onCancel();
  }

  private finish(finished: { error?: Error }): void {
    this.finished = finished;
    if (this.sink) this.deliverEnd(finished);
  }

  private deliverEnd({ error }: { error?: Error }): void {
    const sink = this.sink as StreamSink;
    if (error) sink.error(error);
    else sink.end();
  }

  private release(): void {
    this.signal?.removeListener('abort', this.onCancel);
  }

  private body(): Buffer {
    return this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
  }
}

/** The only outbound I/O to Google: one keep-alive connection pool, the key in a header only. */
export function createGeminiClient(options: GeminiClientOptions): GeminiClient {
  const pool = new Pool(options.base.origin, {
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  });
  const prefix = options.base.pathPrefix;
  const custom = options.customHeaders ?? {};
  const hasCustom = Object.keys(custom).length > 0;

  return {
    send(request, apiKey, stream, signal, stillUsable) {
      // One headers object per call: this runs for every request.
      const headers: Record<string, string> = hasCustom ? { ...custom } : {};
      if (request.body) headers['content-type'] = 'application/json';
      // Google's OpenAI-compatible endpoint takes the key as a Bearer token, like OpenAI.
      if (request.bearer) headers.authorization = `Bearer ${apiKey}`;
      else headers['x-goog-api-key'] = apiKey;
      return new Promise((resolve, reject) => {
        pool.dispatch(
          {
            method: request.method,
            path: request.query ? `${prefix}${request.path}?${request.query}` : prefix + request.path,
            headers,
            body: request.body ?? null,
            headersTimeout: options.timeoutMs,
            bodyTimeout: options.timeoutMs,
          },
          new Exchange(stream, signal, stillUsable, resolve, reject),
        );
      });
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

/** A stream that broke after its first byte: how, the status to report, and what to tell the client. */
export interface StreamBreak {
  readonly cause: 'timeout' | 'connection';
  readonly status: 502 | 504;
  readonly message: string;
}

/** Describes an upstream stream's failure; undefined when it was the client that went away. */
export function describeStreamBreak(error: unknown): StreamBreak | undefined {
  const cause = describeNetworkError(error);
  if (cause === 'aborted') return undefined;
  return cause === 'timeout'
    ? {
        cause,
        status: 504,
        message: 'The upstream stream stalled longer than TIME_OUT; the answer is incomplete.',
      }
    : {
        cause,
        status: 502,
        message: 'The upstream connection was lost mid-stream; the answer is incomplete.',
      };
}
