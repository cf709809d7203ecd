import { createEventSplitter } from '../../streaming/create-event-splitter.js';
import { createSseDecoder } from '../../streaming/create-sse-decoder.js';
import type { StreamReader } from '../generation-surface.js';
import { createGeminiChunkDecoder } from './decode-gemini-chunk.js';

/**
 * Gemini's `streamGenerateContent?alt=sse`: each event's data decoded into events. Never throws.
 * Whole events are cut from the bytes first, and kept (`raw`) for a surface that passes them on.
 */
export function createGeminiSseReader(): StreamReader {
  const splitter = createEventSplitter();
  const events = createSseDecoder();
  const decoder = createGeminiChunkDecoder();
  let last: Buffer | undefined;
  return {
    push(bytes) {
      last = splitter.push(bytes);
      return last ? events.push(last).map((data) => decoder.decode(data)) : [];
    },
    end() {
      // An event the stream ended without closing.
      last = splitter.remainder();
      const data = last ? events.push(last) : [];
      return [...data, ...events.end()].map((item) => decoder.decode(item));
    },
    raw: () => last,
  };
}
