import { createSseDecoder } from '../../streaming/create-sse-decoder.js';
import { looksLikeJsonObject } from '../gemini/native-surface.js';
import type { DecodedChunk } from '../generation-event.js';
import type { GenerationSurface, StreamReader } from '../generation-surface.js';
import { openAIStreamError } from './chat-surface.js';
import { convertGeminiErrorToOpenAI } from './openai-error.js';

const jsonType = 'application/json; charset=utf-8';

/**
 * Google's own OpenAI-compatible endpoint (`/openai/v1/*`), relayed: its answers are already in
 * OpenAI's shape and pass as they came, but each streamed event is read first, so that a malformed
 * one ends the stream with OpenAI's error chunk instead of reaching the client.
 */
export function createCompatSurface(): GenerationSurface {
  return {
    failure: (failure) => ({
      status: failure.status,
      contentType: jsonType,
      body: JSON.stringify(convertGeminiErrorToOpenAI(failure.status, failure.error)),
    }),
    answer: (status, contentType, body) =>
      looksLikeJsonObject(body)
        ? { status, contentType, body }
        : { problem: 'a body that is not a JSON object' },
    reader: createCompatReader,
    upstreamStreamType: 'text/event-stream',
    // The compatible endpoint streams itself; it is never asked for a whole answer in its place.
    wholeChunk: () => ({ problem: 'a whole answer where a stream was expected' }),
    encoder: () => ({
      chunk: (chunk) => `data: ${chunk.data}\n\n`,
      end: () => '',
      error: openAIStreamError,
    }),
    streamContentType: 'text/event-stream',
    keepAlive: ': keep-alive\n\n',
  };
}

function createCompatReader(): StreamReader {
  const events = createSseDecoder();
  const read = (data: string): DecodedChunk => {
    if (data === '[DONE]') return { events: [], data };
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      value = undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const message = 'Google sent a malformed stream event (not a JSON object); the answer is incomplete.';
      return { events: [{ type: 'error', status: 502, message, malformed: true }], data };
    }
    const error = (value as { error?: { code?: unknown; message?: unknown } }).error;
    if (error !== undefined) {
      const code =
        typeof error?.code === 'number' && error.code >= 400 && error.code <= 599 ? error.code : 500;
      const message = typeof error?.message === 'string' ? error.message : 'Upstream error';
      return { events: [{ type: 'error', status: code, message, malformed: false }], data };
    }
    return { events: [], data };
  };
  return { push: (bytes) => events.push(bytes).map(read), end: () => events.end().map(read) };
}
