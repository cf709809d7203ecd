import { setTimeout as delay } from 'node:timers/promises';
import type { AttemptRecord } from '../core/attempt-trace.js';
import type { Cancellation } from '../core/cancellation.js';
import { createSecretScrubber, type SecretScrubber } from '../core/redact-secrets.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import type { DecodedChunk, GenerationUsage } from '../protocols/generation-event.js';
import {
  type GenerationSurface,
  type StreamEncoder,
  type StreamError,
  type SurfaceAnswer,
  usageIn,
  type WholeAnswer,
  type WholeSurface,
} from '../protocols/generation-surface.js';
import type { StreamOptimizerSettings } from '../streaming/plan-text-pieces.js';
import { describeStreamBreak, type UpstreamRequest } from '../upstream/gemini-client.js';
import type { ClientChannel, ClientStream } from './client-channel.js';
import {
  malformedAnswerFailure,
  malformedAnswerType,
  recordMalformedAnswer,
} from './malformed-answer-failure.js';
import { pacedPieces } from './paced-pieces.js';
import {
  type RelayCall,
  type RelayContext,
  type RelayFailure,
  type RelayResult,
  recordInterruption,
  relayCall,
} from './relay-call.js';

/** How streams are sent, from the settings of the request's version. */
export interface StreamPolicy {
  /** FAKE_STREAM_ENABLED: the keep-alive interval; the upstream is asked for a whole answer. */
  readonly fakeStreamIntervalMs?: number;
  /** STREAM_OPTIMIZER_*, when on. */
  readonly optimizer?: StreamOptimizerSettings;
}

/** A request whose answer is sent whole. */
export interface WholeGeneration {
  readonly call: Omit<RelayCall, 'signal'>;
  readonly surface: WholeSurface;
  readonly channel: ClientChannel;
  /**
   * How many times the call is made (a Gemini image model makes one image per call); the surface
   * answers once all are in, and the request is logged once with the attempts of every call.
   */
  readonly calls?: number;
  /**
   * Keeps what a successful answer tells (a finished upload's file and its key) before the client
   * hears it, so that the client's next request finds it. A failure to keep it answers 503.
   */
  readonly record?: (answer: Extract<RelayResult, { kind: 'complete' }>) => Promise<void>;
  /**
   * Makes the surface's answer into the one the client gets where that takes I/O of its own
   * (speech encoded by ffmpeg, a child process): the surface stays a pure translator. A failure is
   * answered by what it returns; `signal` cancels when the client goes away.
   */
  readonly finish?: (answer: WholeAnswer, signal: Cancellation) => Promise<WholeAnswer>;
}

/** A request of the pipeline: what to relay, and whether the client asked for a stream. */
export interface Generation {
  /** The upstream call; for a stream, the streaming one (`streamGenerateContent?alt=sse`). */
  readonly call: Omit<RelayCall, 'signal'>;
  readonly surface: GenerationSurface;
  readonly channel: ClientChannel;
  readonly policy: StreamPolicy;
}

type StreamResult = Extract<RelayResult, { kind: 'stream' }>;
type Served = Extract<RelayResult, { kind: 'complete' | 'stream' }>;

const streamHeaders = (contentType: string) => ({
  'content-type': contentType,
  'cache-control': 'no-cache',
  // nginx buffers responses by default, which would hold a stream back until it ends.
  'x-accel-buffering': 'no',
});

/**
 * One request's life from key choice to its last byte, for every surface: the relay, the whole
 * answer or the stream with backpressure, fake-stream keep-alives, pacing, a broken stream (its
 * in-band error, then an abnormal end) and exactly one request-log row. The surface only reads the
 * upstream's answer and says it in its client's protocol; nothing it is sent can throw out of here.
 */
export async function runGeneration(relay: RelayContext, generation: Generation): Promise<void> {
  const { policy } = generation;
  if (!generation.call.stream) return runWhole(relay, generation);
  const run = startRun(relay, generation.call, generation.surface, generation.channel);
  if (policy.fakeStreamIntervalMs !== undefined)
    return runFakeStream(run, policy.fakeStreamIntervalMs, policy);
  return runStream(run, policy);
}

// The request log's error classes for ends of the gateway's own (the others are outcome classes).
const clientClosed = 'client-closed';
const gatewayFault = 'gateway-fault';
/** Google's error event in the middle of a stream. */
const inBandError = 'stream-error';

/** A whole answer's class when the surface itself answered with an error status. */
const classOfStatus = (status: number) => (status >= 500 ? gatewayFault : 'client-error');

let requestCount = 0;
const nextRequestSeq = () => {
  requestCount += 1;
  return requestCount;
};

/** One request's log row, written once whichever of its ends comes first. */
function startRun<Surface>(
  relay: RelayContext,
  call: Omit<RelayCall, 'signal'>,
  surface: Surface,
  channel: ClientChannel,
): Run<Surface> {
  const trace: AttemptRecord[] = [];
  // Named property by property, not spread from `call`: one shape for every request.
  const full: RelayCall = {
    route: call.route,
    model: call.model,
    request: call.request,
    stream: call.stream,
    pinKeyId: call.pinKeyId,
    keyKind: call.keyKind,
    signal: channel.signal,
    requestSeq: nextRequestSeq(),
    trace,
    clientId: channel.clientId,
  };
  let logged = false;
  const log = (result: RelayResult, status: number, errorClass: string | null, usage?: GenerationUsage) => {
    if (logged) return;
    logged = true;
    relay.metrics.requested(call.route, call.model, status, trace);
    relay.log.request({
      createdAt: relay.clock.now(),
      route: call.route,
      model: call.model,
      keyId: 'key' in result && result.key ? result.key.id : null,
      status,
      success: errorClass === null,
      latencyMs: channel.elapsedMs(),
      attempts: result.attempts,
      stream: call.stream,
      // Every property always present, none spread in: an entry is made per request, and
      // conditional spreads made each one a slow, shape-changing copy (measured with --cpu-prof).
      tokens: usage
        ? { input: usage.input, output: usage.output, thoughts: usage.reasoning, cached: usage.cachedInput }
        : undefined,
      errorClass: errorClass ?? undefined,
      clientId: channel.clientId,
      requestSeq: full.requestSeq,
      trace,
    });
  };
  return { relay, call: full, surface, channel, log };
}

interface Run<Surface = GenerationSurface> {
  readonly relay: RelayContext;
  readonly call: RelayCall;
  readonly surface: Surface;
  readonly channel: ClientChannel;
  /** Logs the request once; `errorClass` is null when it succeeded. */
  readonly log: (
    result: RelayResult,
    status: number,
    errorClass: string | null,
    usage?: GenerationUsage,
  ) => void;
}

function sendWhole(channel: ClientChannel, answer: WholeAnswer, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = { 'content-type': answer.contentType };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  if (answer.headers) Object.assign(headers, answer.headers);
  channel.send(answer.status, headers, answer.body);
}

/** Answers a result that carries no content; true when it did (the client left, or it failed). */
function answeredWithoutContent(
  run: Run<WholeSurface>,
  result: RelayResult,
): result is Exclude<RelayResult, Served> {
  if (result.kind === 'aborted') {
    run.channel.abandon();
    run.log(result, 499, clientClosed);
    return true;
  }
  if (result.kind === 'failed') {
    sendWhole(run.channel, run.surface.failure(result), result.retryAfterSeconds);
    run.log(result, result.status, result.errorClass);
    return true;
  }
  return false;
}

/**
 * A request answered whole: its call (or calls), then the surface's answer, a failure in the
 * client's shape, or a 502 for an answer nobody can read. Logged once.
 */
export async function runWhole(relay: RelayContext, generation: WholeGeneration): Promise<void> {
  const run = startRun(relay, generation.call, generation.surface, generation.channel);
  const calls = generation.calls ?? 1;
  let attempts = 0;
  for (let index = 0; index < calls; index++) {
    const result = await relayCall(run.relay, run.call);
    attempts += result.attempts;
    const total = { ...result, attempts };
    if (answeredWithoutContent(run, total)) return;
    if (total.kind === 'stream') {
      // The upstream client streams only calls that ask for a stream; this one did not.
      total.rest.cancel();
      throw new Error('A call that asked for a whole answer was answered with a stream.');
    }
    const answer = await answerOf(run, total, index);
    if (answer === undefined) continue;
    if ('problem' in answer) {
      answeredWithoutContent(run, malformedAnswerFailure(run.relay, run.call, total, answer.problem));
      return;
    }
    if (generation.record && total.status < 300 && !(await recorded(run, generation.record, total))) return;
    const final = generation.finish ? await finished(run, generation.finish, answer, total) : answer;
    if (final === undefined) return;
    sendWhole(run.channel, final);
    run.log(total, final.status, final.status < 400 ? null : classOfStatus(final.status), final.usage);
    return;
  }
  throw new Error('The surface gave no answer after the last call.');
}

/**
 * The answer `finish` made of the surface's; a fault of its own is a 500 in the client's shape.
 * Undefined when the client left meanwhile: nothing is sent, and the request is logged as closed.
 */
async function finished(
  run: Run<WholeSurface>,
  finish: NonNullable<WholeGeneration['finish']>,
  answer: WholeAnswer,
  result: Extract<RelayResult, { kind: 'complete' }>,
): Promise<WholeAnswer | undefined> {
  let final: WholeAnswer;
  try {
    final = await finish(answer, run.channel.signal);
  } catch (error) {
    run.channel.reportFault(error, 'could not finish an answer');
    final = gatewayFaultAnswer(run, 'The gateway could not encode the answer.');
  }
  if (!run.channel.signal.aborted) return final;
  run.channel.abandon();
  run.log(result, 499, clientClosed);
  return undefined;
}

/** Keeps what the answer tells; false when it could not, and the client was answered 503. */
async function recorded(
  run: Run<WholeSurface>,
  record: NonNullable<WholeGeneration['record']>,
  result: Extract<RelayResult, { kind: 'complete' }>,
): Promise<boolean> {
  try {
    await record(result);
    return true;
  } catch (error) {
    run.channel.reportFault(error, 'could not keep what an answer told');
    const message = 'The gateway could not record the answer (its database did not answer); try again.';
    const body = JSON.stringify(createGeminiErrorBody(503, message));
    sendWhole(run.channel, run.surface.failure({ status: 503, body, error: { message, quotaIds: [] } }));
    run.log(result, 503, gatewayFault);
    return false;
  }
}

/** The surface's answer; a fault of its own becomes a 500 in the client's shape, not a crash. */
async function answerOf(
  run: Run<WholeSurface>,
  result: Extract<RelayResult, { kind: 'complete' }>,
  index: number,
): Promise<SurfaceAnswer> {
  try {
    return await run.surface.answer(result.status, result.contentType, result.body, index, {
      headers: result.headers,
      keyId: result.key.id,
    });
  } catch (error) {
    run.channel.reportFault(error, 'could not encode an answer');
    return gatewayFaultAnswer(run, 'The gateway could not encode the answer.');
  }
}

/** A 500 of the gateway's own, in the client's shape. */
function gatewayFaultAnswer(run: Run<WholeSurface>, message: string): WholeAnswer {
  const body = JSON.stringify(createGeminiErrorBody(500, message));
  return run.surface.failure({ status: 500, body, error: { message, quotaIds: [] } });
}

/** The upstream call for a whole answer in place of a stream: generateContent, no `alt=sse`. */
function wholeRequestOf(request: UpstreamRequest): UpstreamRequest {
  return {
    ...request,
    path: request.path.replace(/:streamGenerateContent$/, ':generateContent'),
    query: request.query
      .split('&')
      .filter((pair) => pair !== '' && !pair.startsWith('alt='))
      .join('&'),
  };
}

/** Google's error body as the stream's in-band error. */
function streamErrorOf(failure: RelayFailure): StreamError {
  return {
    status: failure.status,
    message: failure.error.message,
    upstreamBody: failure.body,
    info: failure.error,
  };
}

/**
 * FAKE_STREAM_ENABLED: the client gets its stream headers at once and a keep-alive every interval
 * while the gateway waits for the whole answer from a non-streaming call, then that answer as the
 * stream. Keeps proxies that cut idle connections from cutting long answers.
 */
async function runFakeStream(run: Run, intervalMs: number, policy: StreamPolicy): Promise<void> {
  const { surface } = run;
  const { stream, encoder } = openClientStream(run, 200);
  stream.write(surface.keepAlive);
  const timer = setInterval(() => stream.write(surface.keepAlive), intervalMs);
  let result: RelayResult;
  try {
    result = await relayCall(run.relay, {
      ...run.call,
      request: wholeRequestOf(run.call.request),
      stream: false,
    });
  } finally {
    clearInterval(timer);
  }
  if (result.kind === 'aborted') return run.log(result, 499, clientClosed);
  if (result.kind === 'stream') {
    result.rest.cancel();
    throw new Error('A call that asked for a whole answer was answered with a stream.');
  }
  // Nothing of the answer was sent: the stream ends with the error, cleanly, as a whole error would.
  const endWith = (failure: RelayFailure) => {
    stream.end(encoder.error(streamErrorOf(failure)) ?? '');
    run.log(failure, failure.status, failure.errorClass);
  };
  if (result.kind === 'failed') return endWith(result);
  const chunk = surface.wholeChunk(result.body);
  if ('problem' in chunk) return endWith(malformedAnswerFailure(run.relay, run.call, result, chunk.problem));
  const pump = createPump(run, result, stream, encoder, policy.optimizer);
  pump.push([chunk]);
  pump.end();
}

/**
 * The client's stream in the surface's protocol; a shutdown past its deadline cuts it with the
 * protocol's error. The stream holds no closure of the pipeline's, and its end reaches the pump
 * through the request's signal: with the pump's close listener and the shutdown's error kept by
 * the stream (both reachable from the response's own listeners), young-generation GC took twice as
 * long per streamed request and the stream path spent about half again as much CPU (measured with
 * the fake upstream at a fixed 1,500 requests/s), though no heap snapshot showed anything retained.
 */
function openClientStream(run: Run, status: number): { stream: ClientStream; encoder: StreamEncoder } {
  const encoder = run.surface.encoder();
  const stream = run.channel.stream(status, streamHeaders(run.surface.streamContentType));
  run.channel.onShutdown((reason) => stream.fail(encoder.error(reason)));
  return { stream, encoder };
}

/** A real stream: the upstream's chunks read, said in the client's protocol and sent as they come. */
async function runStream(run: Run, policy: StreamPolicy): Promise<void> {
  const result = await relayCall(run.relay, run.call);
  if (answeredWithoutContent(run, result)) return;
  const { surface } = run;
  const type = result.contentType.toLowerCase();
  if (!type.startsWith(surface.upstreamStreamType)) {
    // A proxy's HTML page with status 200: no stream at all, and nothing is sent yet.
    if (result.kind === 'stream') result.rest.cancel();
    const problem = `a ${type.split(';')[0] || 'untyped'} body where a stream was expected`;
    answeredWithoutContent(run, malformedAnswerFailure(run.relay, run.call, result, problem));
    return;
  }
  const { stream, encoder } = openClientStream(run, result.status);
  const reader = surface.reader();
  const pump = createPump(run, result, stream, encoder, policy.optimizer);
  if (result.kind === 'complete') {
    // An answer that came whole (a relay at BASE_URL that does not stream) is read as one.
    pump.push(reader.push(result.body), reader.raw?.());
    pump.push(reader.end(), reader.raw?.());
    pump.end();
    return;
  }
  const upstream = result.rest;
  pump.attach(upstream);
  // The chunks of each read, and the bytes they came in (for a surface that passes them on).
  const read = (chunks: DecodedChunk[]) => pump.push(chunks, reader.raw?.());
  read(reader.push(result.first));
  upstream.pipe({
    data: (bytes) => read(reader.push(bytes)),
    end: () => {
      read(reader.end());
      pump.end();
    },
    error: (error) => {
      const broken = describeStreamBreak(error);
      // Undefined: the client went away, which the stream's close handler has seen to.
      if (broken) pump.broke(broken);
    },
  });
}

/**
 * The chunks once the surface has prepared those that need it (publishing their images); undefined
 * when none does, the usual case, so that they are said at once.
 */
function preparedChunks(
  surface: GenerationSurface,
  chunks: readonly DecodedChunk[],
): Promise<DecodedChunk[]> | undefined {
  if (!surface.prepare) return undefined;
  let preparing: (Promise<DecodedChunk> | undefined)[] | undefined;
  for (const [index, chunk] of chunks.entries()) {
    const prepared = surface.prepare(chunk);
    if (!prepared) continue;
    preparing ??= [];
    preparing[index] = prepared;
  }
  if (!preparing) return undefined;
  const all = Promise.all(chunks.map((chunk, index) => preparing[index] ?? chunk));
  // Awaited in turn, perhaps after earlier chunks' pacing: handled now, so a failure waits for it.
  all.catch(() => undefined);
  return all;
}

interface Pump {
  /** Lets the pump pause, resume and cancel the upstream call. */
  attach(upstream: StreamResult['rest']): void;
  /** `raw`: the bytes the chunks came in, when the reader kept them. */
  push(chunks: readonly DecodedChunk[], raw?: Buffer): void;
  /** The upstream ended: what is queued goes out, then the end. */
  end(): void;
  /** The upstream broke off: what is queued goes out, then the in-band error. */
  broke(broken: {
    readonly cause: 'timeout' | 'connection';
    readonly status: number;
    readonly message: string;
  }): void;
}

/**
 * Sends chunks to the client in order, with backpressure. Unpaced chunks are written as they come;
 * with the optimizer on, a chunk's text goes out in pieces with pauses, and the upstream waits; so it
 * does while a chunk is prepared (surface.prepare), which starts as the chunk arrives.
 * An error event, an upstream that broke, or a fault of the surface's own ends the stream with the
 * in-band error and an abnormal end; the client's leaving stops the upstream call. Logs once.
 */
function createPump(
  run: Run,
  result: Served,
  stream: ClientStream,
  encoder: StreamEncoder,
  optimizer: StreamOptimizerSettings | undefined,
): Pump {
  // Google's in-band error can quote the key, and a broken or hostile upstream can send any key in
  // any spelling: each piece of text is checked with a few indexOf calls, the rare hit scrubbed.
  const scrubber: SecretScrubber = createSecretScrubber(result.key.secret);
  let upstream: StreamResult['rest'] | undefined;
  let ended = false;
  /** The paced work still to do; undefined while nothing waits, so unpaced chunks go out at once. */
  let queue: Promise<void> | undefined;
  /** The tokens of the last chunk that counted them: Gemini repeats the running total in each. */
  let usage: GenerationUsage | undefined;

  const finish = (status: number, errorClass: string | null) => {
    if (ended) return;
    ended = true;
    run.call.signal.off('abort', clientLeft);
    run.log(result, status, errorClass, usage);
  };
  /** The upstream stream ended or broke off: its call's duration (a whole answer's was timed already). */
  const upstreamEnded = () => {
    if (result.kind === 'stream')
      run.relay.metrics.streamEnded(run.call.model, run.relay.clock.now() - result.calledAtMs);
  };
  // The client left (or a shutdown cut the stream, which then closed): the upstream call stops.
  function clientLeft() {
    upstream?.cancel();
    finish(499, clientClosed);
  }
  const stop = (error: StreamError, errorClass: string) => {
    if (ended) return;
    upstream?.cancel();
    const text = encoder.error(error);
    stream.fail(text === undefined ? undefined : scrubber.text(text));
    finish(result.status, errorClass);
  };
  const write = (out: string | Buffer) => {
    if (out.length === 0 || stream.closed) return;
    const scrubbed = typeof out === 'string' ? scrubber.text(out) : scrubber.bytes(out);
    if (!stream.write(scrubbed) && upstream) {
      const paused = upstream;
      paused.pause();
      void stream.drained().then(() => {
        if (!ended) paused.resume();
      });
    }
  };
  /** Says one chunk; false when it ended the stream. Paced pieces are returned for the queue. */
  /** Ends the stream at an error chunk; Google's own passes as sent, an unreadable one is no key's fault. */
  const stopAt = (chunk: DecodedChunk, error: Extract<DecodedChunk['events'][number], { type: 'error' }>) => {
    if (error.malformed) recordMalformedAnswer(run.relay, run.call, result, error.message);
    stop(
      {
        status: error.status,
        message: error.message,
        ...(error.malformed ? {} : { upstreamBody: chunk.data }),
      },
      error.malformed ? malformedAnswerType : inBandError,
    );
  };
  /**
   * Says the chunks read from one piece of the upstream's answer in one write (each write is a
   * chunk of HTTP's framing: three buffers), or passes on the bytes they came in (`raw`) when the
   * encoder passes chunks on. False when an error chunk ended the stream, after what came before it.
   */
  const say = (chunks: readonly DecodedChunk[], raw?: Buffer): boolean => {
    let out = '';
    for (const [index, chunk] of chunks.entries()) {
      const first = chunk.events[0];
      if (first?.type === 'error') {
        // The bytes hold the bad event too: the chunks before it are said instead.
        if (raw)
          out = chunks
            .slice(0, index)
            .map((before) => encoder.chunk(before))
            .join('');
        write(out);
        stopAt(chunk, first);
        return false;
      }
      if (!raw) out += encoder.chunk(chunk);
    }
    write(raw ?? out);
    return true;
  };
  const sayPaced = async (chunks: readonly DecodedChunk[]) => {
    for (const chunk of chunks) {
      if (ended) return;
      const pieces =
        optimizer && chunk.events[0]?.type !== 'error' ? pacedPieces(chunk, optimizer) : undefined;
      if (!pieces) {
        if (!say([chunk])) return;
        continue;
      }
      for (const piece of pieces) {
        write(encoder.chunk(chunk, piece.text));
        await stream.drained();
        if (stream.closed || ended) return;
        await delay(piece.delayMs);
      }
    }
  };
  /** A fault of the gateway's own (a surface that threw) ends this stream, never the process. */
  const fault = (error: unknown) => {
    run.channel.reportFault(error, 'could not encode a stream');
    stop(
      { status: 500, message: 'The gateway could not encode the stream; the answer is incomplete.' },
      gatewayFault,
    );
  };
  /** Runs `step` after the paced work queued so far, or at once when there is none. */
  const after = (step: () => void) => {
    if (!queue) {
      try {
        step();
      } catch (error) {
        fault(error);
      }
      return;
    }
    queue = queue.then(step).catch(fault);
  };

  run.call.signal.once('abort', clientLeft);

  return {
    attach(rest) {
      upstream = rest;
    },
    push(chunks, raw) {
      if (ended || chunks.length === 0) return;
      for (const chunk of chunks) usage = usageIn(chunk.events) ?? usage;
      let prepared: Promise<DecodedChunk[]> | undefined;
      try {
        prepared = preparedChunks(run.surface, chunks);
        if (!optimizer && !queue && !prepared) {
          say(chunks, encoder.passesRaw ? raw : undefined);
          return;
        }
      } catch (error) {
        fault(error);
        return;
      }
      // Paced or prepared output: the upstream waits while the pieces go out, in order.
      upstream?.pause();
      queue = (queue ?? Promise.resolve())
        .then(() => prepared ?? chunks)
        .then((ready) => sayPaced(ready))
        .then(() => {
          if (!ended) upstream?.resume();
        })
        .catch(fault);
    },
    end() {
      upstreamEnded();
      after(() => {
        if (ended) return;
        stream.end(scrubber.text(encoder.end()) || undefined);
        finish(result.status, null);
      });
    },
    broke(broken) {
      upstreamEnded();
      after(() => {
        if (ended) return;
        // Google's trouble, or the connection's, teaches the pool about the key.
        stop(broken, recordInterruption(run.relay, run.call, result.key, broken.cause, broken.message));
      });
    },
  };
}
