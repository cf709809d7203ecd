import { createBraceSplitter } from '../../streaming/create-brace-splitter.js';
import type { DecodedChunk } from '../generation-event.js';
import {
  type GenerationSurface,
  type StreamEncoder,
  type StreamError,
  type StreamReader,
  usageIn,
} from '../generation-surface.js';
import { createGeminiSseReader } from './create-gemini-sse-reader.js';
import { type DecodedAnswer, decodeGeminiAnswer } from './decode-gemini-chunk.js';
import { createGeminiErrorBody } from './gemini-error.js';
import type { GeminiResponse } from './gemini-types.js';

const jsonType = 'application/json; charset=UTF-8';

export interface NativeSurfaceOptions {
  /** `alt=sse`: server-sent events; otherwise Google's JSON-array framing. */
  readonly sse: boolean;
  /** Rewrites a whole answer the gateway reads (the model list, filtered); it gets the full check. */
  readonly transform?: (body: Buffer) => Buffer;
  /** A generateContent call: its whole answer is read as the events a stream's would be. */
  readonly generates?: boolean;
}

/**
 * The native Gemini API as a surface. Its answers are Google's own: passed on as Google sent them
 * (every field kept, including those the events do not carry), after the pipeline has read each
 * streamed event, so a malformed one ends the stream instead of reaching the client.
 */
export function createNativeSurface(options: NativeSurfaceOptions): GenerationSurface {
  const { sse } = options;
  return {
    failure: (failure) => ({ status: failure.status, contentType: jsonType, body: failure.body }),
    answer(status, contentType, body) {
      if (options.generates) {
        const decoded = decodeGeminiAnswer(body.toString('utf8'));
        const problem = answerProblemOf(decoded);
        if (problem) return { problem };
        const usage = decoded.ok ? usageIn(decoded.chunk.events) : undefined;
        return { status, contentType, body, ...(usage ? { usage } : {}) };
      }
      const problem = answerProblem(body, options.transform !== undefined);
      if (problem) return { problem };
      return { status, contentType, body: options.transform ? options.transform(body) : body };
    },
    reader: sse ? createGeminiSseReader : createArrayReader,
    upstreamStreamType: sse ? 'text/event-stream' : 'application/json',
    wholeChunk(body) {
      const decoded = decodeGeminiAnswer(body.toString('utf8'));
      return decoded.ok ? decoded.chunk : { problem: decoded.problem };
    },
    encoder: sse ? createEventEncoder : createArrayEncoder,
    streamContentType: sse ? 'text/event-stream' : jsonType,
    keepAlive: sse ? ': keep-alive\r\n\r\n' : ' \n',
  };
}

/** What is wrong with a decoded generateContent answer; undefined when nothing. */
function answerProblemOf(decoded: DecodedAnswer): string | undefined {
  if (!decoded.ok) return decoded.problem;
  const [first] = decoded.chunk.events;
  return first?.type === 'error' ? `an error (${first.message})` : undefined;
}

/**
 * Google's JSON-array framing (no `alt=sse`), passed on in pieces that end on an object's `}`. It
 * has no in-band error: a broken array is reset, which the client's JSON parser reports.
 */
function createArrayReader(): StreamReader {
  const splitter = createBraceSplitter();
  const raw = (bytes: Buffer | undefined): DecodedChunk[] =>
    bytes ? [{ events: [], data: bytes.toString('utf8'), unread: true }] : [];
  return { push: (bytes) => raw(splitter.push(bytes)), end: () => raw(splitter.remainder()) };
}

/** One line of JSON: a whole answer (a fake stream's) is pretty-printed, and SSE data is one line. */
function oneLine(data: string): string {
  return data.includes('\n') || data.includes('\r') ? JSON.stringify(JSON.parse(data)) : data;
}

/** Google's error event: its own as it sent it, else one in its shape. */
function errorJson(error: StreamError): string {
  if (error.upstreamBody !== undefined) {
    try {
      const body: unknown = JSON.parse(error.upstreamBody);
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) return JSON.stringify(body);
    } catch {
      // A proxy's HTML page: rebuilt below from what was read of it.
    }
  }
  return JSON.stringify(createGeminiErrorBody(error.status, error.message));
}

const event = (json: string) => `data: ${json}\r\n\r\n`;

function createEventEncoder(): StreamEncoder {
  return {
    passesRaw: true,
    chunk: (chunk, piece) => event(piece === undefined ? oneLine(chunk.data) : withText(chunk.data, piece)),
    end: () => '',
    error: (error) => event(errorJson(error)),
  };
}

/**
 * The JSON array: a real stream's pieces pass as they are; a whole answer (a fake stream's) is
 * framed as an array of its chunks. An error can be said only before the array has begun.
 */
function createArrayEncoder(): StreamEncoder {
  let begun = false;
  let framed = false;
  return {
    chunk(chunk, piece) {
      begun = true;
      if (chunk.unread) return chunk.data;
      const json = piece === undefined ? oneLine(chunk.data) : withText(chunk.data, piece);
      const opening = framed ? ',' : '[';
      framed = true;
      return `${opening}${json}`;
    },
    end: () => (framed ? ']' : ''),
    error: (error) => (begun ? undefined : `[${errorJson(error)}]`),
  };
}

/** A chunk with its one answer text replaced by a paced piece; usage, ids and finishReason kept. */
function withText(data: string, piece: string): string {
  const response = JSON.parse(data) as GeminiResponse;
  const candidates = response.candidates?.map((candidate) => {
    const parts = candidate.content?.parts?.map((part) =>
      typeof part.text === 'string' && part.text !== '' && !part.thought ? { ...part, text: piece } : part,
    );
    return parts ? { ...candidate, content: { ...candidate.content, parts } } : candidate;
  });
  return JSON.stringify(candidates ? { ...response, candidates } : response);
}

/**
 * What is wrong with a 200's body, for a method that answers a JSON object; undefined when
 * nothing. Google answers anything but a JSON object with an error; only the first and last bytes
 * are looked at unless `parse` (a full parse per answer cost more than the rest of the relay's work).
 */
export function answerProblem(body: Buffer, parse: boolean): string | undefined {
  if (body.length === 0) return 'an empty body';
  if (!looksLikeJsonObject(body)) return 'a body that is not a JSON object';
  if (!parse) return undefined;
  try {
    JSON.parse(body.toString('utf8'));
    return undefined;
  } catch {
    return 'a body that is not JSON';
  }
}

/** Whether `body` starts with `{` and ends with `}`, JSON whitespace aside. */
export function looksLikeJsonObject(body: unknown): body is Buffer {
  if (!Buffer.isBuffer(body)) return false;
  let start = 0;
  let end = body.length - 1;
  while (start <= end && isJsonSpace(body[start] as number)) start++;
  while (end >= start && isJsonSpace(body[end] as number)) end--;
  return end > start && body[start] === 0x7b && body[end] === 0x7d;
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
