import type { DecodedChunk, GenerationEvent } from '../generation-event.js';
import {
  type GenerationSurface,
  type StreamError,
  type SurfaceFailure,
  usageIn,
  type WholeAnswer,
} from '../generation-surface.js';
import { createGeminiSseReader } from './create-gemini-sse-reader.js';
import { type DecodedAnswer, decodeGeminiAnswer } from './decode-gemini-chunk.js';

// A client protocol over Gemini's generateContent (OpenAI chat, the Responses API, ...) is a fold
// and an encoder of the same events: this is everything else such a surface is, said once.

/** Says a stream's events in the client's protocol; stateful, one per stream. */
export interface EventEncoder {
  /** The text for the events of one upstream chunk. */
  chunk(events: readonly GenerationEvent[]): string;
  /** What ends a complete stream. */
  end(): string;
  /** The in-band error that ends a stream early. */
  error(error: StreamError): string | undefined;
}

export interface EventSurfaceSpec {
  /** The client's answer to a failure before anything was sent. */
  failure(failure: SurfaceFailure): WholeAnswer;
  /** A whole answer's events (`error` events excepted) folded into the client's JSON answer. */
  fold(events: readonly GenerationEvent[]): unknown;
  encoder(): EventEncoder;
  /** The stream's content type. */
  readonly streamContentType: string;
  /** Reads a whole answer: a generateContent body's, unless the answer is another method's (Imagen's :predict). */
  readonly decode?: (body: Buffer) => DecodedAnswer;
  /**
   * The work a chunk needs before it is said or folded (the images it carries published); undefined
   * for a chunk that needs none (see GenerationSurface.prepare).
   */
  prepare?(chunk: DecodedChunk): Promise<DecodedChunk> | undefined;
}

const jsonType = 'application/json; charset=utf-8';

/** A chunk's events with its one (non-empty) text replaced by a paced piece. */
const withText = (events: readonly GenerationEvent[], piece: string) =>
  events.map((event) => (event.type === 'text' && event.text !== '' ? { ...event, text: piece } : event));

const decodeGeminiBody = (body: Buffer) => decodeGeminiAnswer(body.toString('utf8'));

/**
 * A surface that reads Gemini's answer as events: a whole answer is their fold, a stream (Gemini's
 * SSE, or a whole answer re-cut for a fake stream) their encoding, event by event.
 */
export function createGeminiEventSurface(spec: EventSurfaceSpec): GenerationSurface {
  const decode = spec.decode ?? decodeGeminiBody;
  const answerOf = (body: Buffer): DecodedChunk | { problem: string } => {
    const decoded = decode(body);
    return decoded.ok ? decoded.chunk : { problem: decoded.problem };
  };
  const folded = (status: number, chunk: DecodedChunk): WholeAnswer => {
    const usage = usageIn(chunk.events);
    return {
      status,
      contentType: jsonType,
      body: JSON.stringify(spec.fold(chunk.events)),
      ...(usage ? { usage } : {}),
    };
  };
  return {
    failure: spec.failure,
    answer(status, _contentType, body) {
      const chunk = answerOf(body);
      if ('problem' in chunk) return chunk;
      const [first] = chunk.events;
      if (first?.type === 'error') return { problem: `an error (${first.message})` };
      return spec.prepare?.(chunk)?.then((ready) => folded(status, ready)) ?? folded(status, chunk);
    },
    reader: createGeminiSseReader,
    upstreamStreamType: 'text/event-stream',
    wholeChunk: answerOf,
    ...(spec.prepare ? { prepare: spec.prepare } : {}),
    encoder() {
      const encoder = spec.encoder();
      return {
        chunk: (chunk, piece) =>
          encoder.chunk(piece === undefined ? chunk.events : withText(chunk.events, piece)),
        end: () => encoder.end(),
        error: (error) => encoder.error(error),
      };
    },
    streamContentType: spec.streamContentType,
    // A comment line, which every SSE parser skips.
    keepAlive: ': keep-alive\n\n',
  };
}
