import type { GeminiErrorInfo } from '../core/gemini-error-info.js';
import type { DecodedChunk, GenerationEvent, GenerationUsage } from './generation-event.js';

// A client surface, as the request pipeline (relay/run-generation.ts) sees it: how to read the
// upstream's answer and how to say it, whole or streamed, in the client's protocol. The pipeline
// owns everything else: the relay, backpressure, keep-alives, pacing, a broken stream, the log row.

/** An answer sent whole. */
export interface WholeAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** The tokens the answer counted, for the request log. */
  readonly usage?: GenerationUsage;
  /** Headers of its own beside the content type (the Files API's `x-goog-upload-*`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The call that answered: Google's whitelisted headers, and the key it was made with. */
export interface ServedBy {
  readonly headers: Readonly<Record<string, string>>;
  readonly keyId: string;
}

/** The last usage among `events`, if any. */
export function usageIn(events: readonly GenerationEvent[]): GenerationUsage | undefined {
  let usage: GenerationUsage | undefined;
  for (const event of events) if (event.type === 'usage') usage = event.usage;
  return usage;
}

/** The upstream's error, or the gateway's own in Google's shape, before anything was sent. */
export interface SurfaceFailure {
  readonly status: number;
  /** Google's error body, secrets already redacted. */
  readonly body: string;
  readonly error: GeminiErrorInfo;
}

/** Reads an upstream stream: bytes in, in any split; whole chunks out. Never throws. */
export interface StreamReader {
  push(bytes: Buffer): DecodedChunk[];
  /** What the stream left unfinished when it ended. */
  end(): DecodedChunk[];
  /**
   * The bytes of the chunks the last `push` or `end` returned, exactly as the upstream sent them,
   * for a reader that keeps them (so an encoder that passes chunks on need not re-encode them).
   */
  raw?(): Buffer | undefined;
}

/** Says a stream's chunks in the client's protocol. */
export interface StreamEncoder {
  /**
   * The chunks go out as the upstream sent them: where the reader kept their bytes, those bytes are
   * sent in place of `chunk()`'s text (the native API's passthrough, without a copy per event).
   */
  readonly passesRaw?: boolean;
  /** The text for one chunk; `piece`, when given, replaces its one text event's text (pacing). */
  chunk(chunk: DecodedChunk, piece?: string): string;
  /** What ends a complete stream (OpenAI's `[DONE]`), or ''. */
  end(): string;
  /**
   * The in-band error that ends a stream early, or undefined where the framing has none once the
   * answer has begun (a JSON array, which is reset instead).
   */
  error(error: StreamError): string | undefined;
}

/** Why a stream ends early. */
export interface StreamError {
  readonly status: number;
  readonly message: string;
  /** The upstream's own error as it sent it (JSON text, secrets redacted), when it is Google's. */
  readonly upstreamBody?: string;
  /** What Google's error says, when it is Google's. */
  readonly info?: GeminiErrorInfo;
}

/** What is wrong with an upstream answer (`a body that is not JSON`): the pipeline answers 502. */
export interface AnswerProblem {
  readonly problem: string;
}

/** What a whole surface makes of an upstream answer (see WholeSurface.answer). */
export type SurfaceAnswer = WholeAnswer | AnswerProblem | undefined;

/** A surface whose answers are sent whole. */
export interface WholeSurface {
  /** The client's answer to a failure before anything was sent. */
  failure(failure: SurfaceFailure): WholeAnswer;
  /**
   * The client's answer to a complete upstream answer, or what is wrong with that answer. A request
   * made of several calls (`Generation.calls`) gets each answer in turn, `index` counting from 0,
   * and returns undefined until the last. A promise when the answer needs work first (images
   * published, to be linked to).
   */
  answer(
    status: number,
    contentType: string,
    body: Buffer,
    index: number,
    served: ServedBy,
  ): SurfaceAnswer | Promise<SurfaceAnswer>;
}

/** A surface that can also stream. */
export interface GenerationSurface extends WholeSurface {
  /** Reads a streamed answer (the upstream's `streamGenerateContent` or its whole answer re-cut). */
  reader(): StreamReader;
  /**
   * The media type of the upstream stream the reader reads (`text/event-stream`): a 200 of another
   * type (a proxy's HTML page) is no stream at all, and is answered 502 before anything is sent.
   */
  readonly upstreamStreamType: string;
  /** The whole answer as one chunk, for a fake stream; or what is wrong with it. */
  wholeChunk(body: Buffer): DecodedChunk | AnswerProblem;
  /**
   * The work a chunk needs before it is said (the images it carries published), done as it comes
   * while the stream waits; undefined for a chunk that needs none, which is said at once.
   */
  prepare?(chunk: DecodedChunk): Promise<DecodedChunk> | undefined;
  encoder(): StreamEncoder;
  /** The stream's content type. */
  readonly streamContentType: string;
  /** A fake stream's keep-alive, which every client's parser skips. */
  readonly keepAlive: string;
}
