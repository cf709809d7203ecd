import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import { defaultVertexBase, type UpstreamBase } from '../config/parse-base-url.js';
import type { Cancellation } from '../core/cancellation.js';
import { defaultKeyKind, type KeyKind, keyKinds } from '../core/key-kind.js';
import { createAiStudioEndpoint } from './endpoints/ai-studio.js';
import type { Endpoint, UpstreamKey, UpstreamRequest } from './endpoints/endpoint.js';
import { createVertexExpressEndpoint } from './endpoints/vertex-express.js';
import {
  avoidRestingProxy,
  chooseProxyIndex,
  createProxyConnector,
  type OutboundProxy,
  type ProxyConnector,
} from './outbound-proxy.js';
import type { ProxyRests } from './proxy-rests.js';
import { pickResponseHeaders, type UpstreamHeaders } from './response-headers.js';

export type { UpstreamKey, UpstreamRequest } from './endpoints/endpoint.js';
export type { UpstreamHeaders } from './response-headers.js';

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
      /** The whitelisted headers only (`forwardedResponseHeaders`), scrubbed of the key. */
      readonly headers: UpstreamHeaders;
      readonly body: Buffer;
      /** The outbound proxy the call went through (its label); absent for a call straight to Google. */
      readonly via?: string;
    }
  | {
      readonly kind: 'stream';
      readonly statusCode: number;
      /** The whitelisted headers only (`forwardedResponseHeaders`), scrubbed of the key. */
      readonly headers: UpstreamHeaders;
      readonly first: Buffer;
      readonly rest: UpstreamStream;
      /** As for a complete answer. */
      readonly via?: string;
    };

export interface GeminiClient {
  /**
   * Calls Google with `key`, at the address its kind's endpoint gives (the key in a header, never
   * in the URL). An error answer, and any answer when `stream` is false, resolves once complete. A
   * successful stream resolves at its first chunk, so a failure before any byte can still be
   * retried elsewhere. Rejects on network errors and timeouts.
   */
  send(
    request: UpstreamRequest,
    key: UpstreamKey,
    stream: boolean,
    signal?: Cancellation,
    stillUsable?: () => boolean,
  ): Promise<UpstreamAnswer>;
  close(): Promise<void>;
}

/**
 * How long a call may wait, by phase. Each limit is what a client feels at that point: a call stuck
 * before its first byte can still be retried on another key, so that wait is kept short; a call
 * whose answer comes whole (not a stream) can only be judged by its end.
 */
export interface UpstreamTimeouts {
  /** Opening a TCP/TLS connection to Google (CONNECT_TIMEOUT_SECONDS). */
  readonly connectMs: number;
  /** From sending a stream call to the first byte of its answer's body (FIRST_BYTE_TIMEOUT_SECONDS). */
  readonly firstByteMs: number;
  /** Silence between two chunks of a stream (STREAM_IDLE_TIMEOUT_SECONDS). */
  readonly streamIdleMs: number;
  /** The whole call, from send to last byte, streams included (TIME_OUT). */
  readonly totalMs: number;
}

export interface GeminiClientOptions {
  /** BASE_URL: where AI Studio keys' calls go. */
  readonly base: UpstreamBase;
  /** VERTEX_EXPRESS_BASE_URL: where Vertex AI express keys' calls go; Google's when absent. */
  readonly vertexBase?: UpstreamBase;
  readonly timeouts: UpstreamTimeouts;
  /** CUSTOM_HEADERS: added to every upstream request (never overriding the key or content type). */
  readonly customHeaders?: Readonly<Record<string, string>>;
  /** PROXIES: every call goes through one of them; none, or absent: straight to Google. */
  readonly proxies?: readonly OutboundProxy[];
  /**
   * PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: a key's calls always take the same proxy, chosen by a
   * hash of its id (the default); false: a proxy at random per call.
   */
  readonly proxyPerKey?: boolean;
  /** For the choice at random; Math.random when absent. */
  readonly random?: () => number;
  /** Proxies resting after an address-wide rate limit: calls go around them while they rest. */
  readonly proxyRests?: Pick<ProxyRests, 'restingUntil'>;
}

/** A call not sent because its key stopped serving between choice and send. */
export class KeyWithdrawnError extends Error {
  override readonly name = 'KeyWithdrawnError';
}

class ClientGoneError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'UND_ERR_ABORTED';
}

/** Which limit a call ran into. */
export type TimeoutPhase = 'connect' | 'first-byte' | 'stream-idle' | 'total';

const timeoutCodes: Record<TimeoutPhase, string> = {
  connect: 'GEMGATE_CONNECT_TIMEOUT',
  'first-byte': 'GEMGATE_FIRST_BYTE_TIMEOUT',
  'stream-idle': 'GEMGATE_STREAM_IDLE_TIMEOUT',
  total: 'GEMGATE_TOTAL_TIMEOUT',
};

function timeoutMessage(phase: TimeoutPhase, seconds: number): string {
  switch (phase) {
    case 'connect':
      return `Could not connect to Google within ${seconds} s (CONNECT_TIMEOUT_SECONDS).`;
    case 'first-byte':
      return `Google did not send a first byte within ${seconds} s (FIRST_BYTE_TIMEOUT_SECONDS).`;
    case 'stream-idle':
      return `Google's stream was silent for more than ${seconds} s (STREAM_IDLE_TIMEOUT_SECONDS).`;
    case 'total':
      return `Google did not finish its answer within ${seconds} s (TIME_OUT).`;
  }
}

/** A call cut by one of the gateway's limits. Its message names the limit, never the key or URL. */
export class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
  /** Ends in `_TIMEOUT`, so `describeNetworkError` classifies it as a timeout. */
  readonly code: string;

  constructor(
    readonly phase: TimeoutPhase,
    readonly seconds: number,
  ) {
    super(timeoutMessage(phase, seconds));
    this.code = timeoutCodes[phase];
  }
}

const seconds = (ms: number) => ms / 1000;

/**
 * One upstream exchange as an undici dispatch handler. Bodies go straight into a buffer or to the
 * stream's sink, with no Readable stream in between: on the hot path that machinery cost more CPU
 * than the gateway's own logic.
 */
class Exchange implements Dispatcher.DispatchHandler, UpstreamStream {
  private controller: Dispatcher.DispatchController | undefined;
  // Timing: one timer per call, re-armed only when its phase changes or a held stream resumes. A
  // chunk only notes its time; a timer that fires before the deadline it then finds sleeps again.
  private readonly startedMs = performance.now();
  private phase: 'first-byte' | 'stream' | 'whole' = 'whole';
  private lastDataMs = 0;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private timedOut: UpstreamTimeoutError | undefined;
  private statusCode = 0;
  private headers: UpstreamHeaders = {};
  private chunks: Buffer[] = [];
  private streaming = false;
  private handedOver = false;
  private sink: StreamSink | undefined;
  private finished: { error?: Error } | undefined;
  private readonly onCancel = () => this.controller?.abort(new ClientGoneError('the client went away'));

  constructor(
    /** The key the call is sent with, to scrub from the answer's headers. */
    private readonly secret: string,
    private readonly stream: boolean,
    private readonly signal: Cancellation | undefined,
    private readonly stillUsable: (() => boolean) | undefined,
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: Error) => void,
    private readonly timeouts: UpstreamTimeouts,
    /** The label of the proxy the call goes through, for the answer's `via`. */
    private readonly via: string | undefined,
  ) {
    if (stream) this.phase = 'first-byte';
    this.arm();
  }

  // Called as the request is about to go on the wire, which may be a while after its key was
  // chosen (a connection had to be opened or freed). If the pool has since learned the key cannot
  // serve — another request just got its 429 — the call is withdrawn rather than spent.
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.timedOut) {
      // Its time ran out while it waited for a connection; the caller has its answer already.
      controller.abort(this.timedOut);
      return;
    }
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
    this.headers = pickResponseHeaders(headers, this.secret);
    this.streaming = this.stream && statusCode < 400;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.phase === 'stream') this.lastDataMs = performance.now();
    else if (this.phase === 'first-byte') this.firstByte();
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
        via: this.via,
      });
    } else {
      // Arrived before the consumer attached its sink: hold it, and hold the socket too.
      this.chunks.push(chunk);
      this.paused = true;
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.stopTimer();
    this.release();
    if (this.handedOver) this.finish({});
    else
      this.resolve({
        kind: 'complete',
        statusCode: this.statusCode,
        headers: this.headers,
        body: this.body(),
        via: this.via,
      });
  }

  onResponseError(_controller: Dispatcher.DispatchController, cause: Error): void {
    this.stopTimer();
    this.release();
    const error =
      (cause as { code?: string }).code === 'UND_ERR_CONNECT_TIMEOUT'
        ? new UpstreamTimeoutError('connect', seconds(this.timeouts.connectMs))
        : cause;
    if (this.handedOver) this.finish({ error });
    else this.reject(error);
  }

  pipe(sink: StreamSink): void {
    this.sink = sink;
    for (const chunk of this.chunks) sink.data(chunk);
    this.chunks = [];
    if (this.finished) this.deliverEnd(this.finished);
    else this.resume();
  }

  pause(): void {
    this.paused = true;
    this.controller?.pause();
  }

  resume(): void {
    this.wake();
    this.controller?.resume();
  }

  cancel(): void {
    this.onCancel();
  }

  /** The first byte of the body: a successful stream is now watched for silence, anything else for its end. */
  private firstByte(): void {
    if (this.stream && this.statusCode < 400) {
      this.phase = 'stream';
      this.lastDataMs = performance.now();
      this.arm();
    } else this.phase = 'whole';
  }

  /** The consumer asked for data again: silence while it did not is not Google's. */
  private wake(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastDataMs = performance.now();
    if (this.phase === 'stream' && !this.finished) this.arm();
  }

  /** The nearest limit for the phase the call is in. */
  private deadline(): { atMs: number; phase: TimeoutPhase } {
    const { firstByteMs, streamIdleMs, totalMs } = this.timeouts;
    const total = this.startedMs + totalMs;
    if (this.phase === 'first-byte' && this.startedMs + firstByteMs < total) {
      return { atMs: this.startedMs + firstByteMs, phase: 'first-byte' };
    }
    if (this.phase === 'stream' && !this.paused && this.lastDataMs + streamIdleMs < total) {
      return { atMs: this.lastDataMs + streamIdleMs, phase: 'stream-idle' };
    }
    return { atMs: total, phase: 'total' };
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(0, this.deadline().atMs - performance.now()));
  }

  private readonly onTimer = () => {
    const { atMs, phase } = this.deadline();
    if (performance.now() < atMs) {
      this.arm();
      return;
    }
    const limitMs = {
      'first-byte': this.timeouts.firstByteMs,
      'stream-idle': this.timeouts.streamIdleMs,
      total: this.timeouts.totalMs,
    }[phase as Exclude<TimeoutPhase, 'connect'>];
    const error = new UpstreamTimeoutError(phase, seconds(limitMs));
    this.timedOut = error;
    // Not yet on the wire (still connecting): answer the caller now; the call is cut when it starts.
    if (this.controller) this.controller.abort(error);
    else this.reject(error);
  };

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private finish(finished: { error?: Error }): void {
    if (this.finished) return;
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

/**
 * The only outbound I/O to Google. A call is addressed once its key is chosen: the key's kind picks
 * the endpoint (origin, path, headers) and the dispatcher (a keep-alive connection pool) it goes by.
 */
export function createGeminiClient(options: GeminiClientOptions): GeminiClient {
  const timeouts = options.timeouts;
  const connectionPool = (origin: string, connector?: ProxyConnector) =>
    new Pool(origin, {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      // Through a proxy, the connector bounds each of its steps by the same limit.
      ...(connector ? { connect: connector.connect } : { connectTimeout: timeouts.connectMs }),
      // Every other limit is the exchange's own: undici's would measure head and body separately,
      // while a client feels the first byte of a stream, silence within it, and the whole call.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  // One endpoint per kind of key, and one connection pool per endpoint, built with the client.
  // (undici opens a pool's connections at its first call: a kind without keys costs nothing.)
  const { customHeaders } = options;
  const endpoints: Readonly<Record<KeyKind, Endpoint>> = {
    'ai-studio': createAiStudioEndpoint({ base: options.base, customHeaders }),
    'vertex-express': createVertexExpressEndpoint({
      base: options.vertexBase ?? defaultVertexBase,
      customHeaders,
    }),
  };
  const perKind = <T>(make: (endpoint: Endpoint) => T) =>
    Object.fromEntries(keyKinds.map((kind) => [kind, make(endpoints[kind])])) as Record<KeyKind, T>;
  const pools = perKind((endpoint) => connectionPool(endpoint.origin));
  // With PROXIES, one connection pool per endpoint and proxy, its connections opened through the
  // proxy: a call through a proxy costs what a direct one does, once its connection is open.
  const connectors = (options.proxies ?? []).map((proxy) => createProxyConnector(proxy, timeouts.connectMs));
  const proxyPools = perKind((endpoint) =>
    connectors.map((connector) => connectionPool(endpoint.origin, connector)),
  );
  const endpointFor = (key: UpstreamKey): Endpoint => endpoints[key.kind ?? defaultKeyKind];
  const perKey = options.proxyPerKey ?? true;
  const random = options.random ?? Math.random;
  const labels = connectors.map((connector) => connector.proxy.label);
  const rests = options.proxyRests;
  const restingUntil = (index: number) => rests?.restingUntil(labels[index] as string);
  // The one place a key's calls choose their way out: its endpoint's pool, or, with PROXIES, the
  // pool of the proxy its id hashes to (or one at random per call), or the next one while that rests.
  const dispatcherFor: (key: UpstreamKey) => Dispatcher =
    connectors.length === 0
      ? (key) => pools[key.kind ?? defaultKeyKind]
      : (key) => {
          const through = proxyPools[key.kind ?? defaultKeyKind];
          const index = chooseProxyIndex(key.id, through.length, perKey, random);
          return through[avoidRestingProxy(index, through.length, restingUntil, perKey, random)] as Pool;
        };
  // Which proxy a pool's calls go through, so an answer says (for a 429 the proxy may owe).
  const viaOf = new Map<Dispatcher, string>(
    Object.values(proxyPools).flatMap((through) =>
      through.map((pool, index) => [pool, labels[index] as string]),
    ),
  );

  return {
    send(request, key, stream, signal, stillUsable) {
      // The address is the dispatch options: one object per call, and the headers object in it.
      const address = endpointFor(key).address(request, key);
      const dispatcher = dispatcherFor(key);
      const via = connectors.length === 0 ? undefined : viaOf.get(dispatcher);
      return new Promise((resolve, reject) => {
        dispatcher.dispatch(
          address,
          new Exchange(key.secret, stream, signal, stillUsable, resolve, reject, timeouts, via),
        );
      });
    },
    close: async () => {
      await Promise.all(
        [...Object.values(pools), ...Object.values(proxyPools).flat()].map((pool) => pool.close()),
      );
      await Promise.all(connectors.map((connector) => connector.close()));
    },
  };
}

/**
 * How a failed call to Google failed, in the terms the key pool classifies: `proxy` when its
 * outbound proxy failed it (OutboundProxyError), whatever the underlying error was (a timeout
 * connecting to the proxy is the proxy's, not Google's).
 */
export function describeNetworkError(error: unknown): 'timeout' | 'connection' | 'proxy' | 'aborted' {
  const code = (error as { code?: string } | null)?.code ?? '';
  const name = (error as { name?: string } | null)?.name ?? '';
  if (code === 'GEMGATE_PROXY_FAILED') return 'proxy';
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

/** What to tell a client about a call that timed out: which limit, never the key or address. */
export function describeTimeout(error: unknown): string {
  return error instanceof UpstreamTimeoutError ? error.message : 'Google did not answer in time.';
}

/** Describes an upstream stream's failure; undefined when it was the client that went away. */
export function describeStreamBreak(error: unknown): StreamBreak | undefined {
  const described = describeNetworkError(error);
  if (described === 'aborted') return undefined;
  // A proxy fails a call before its first byte; a stream cut later lost its connection.
  const cause = described === 'proxy' ? 'connection' : described;
  return cause === 'timeout'
    ? { cause, status: 504, message: `${describeTimeout(error)} The answer is incomplete.` }
    : {
        cause,
        status: 502,
        message: 'The upstream connection was lost mid-stream; the answer is incomplete.',
      };
}
