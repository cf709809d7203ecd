import { createSseDecoder } from '../../streaming/create-sse-decoder.js';
import type { StreamReader } from '../generation-surface.js';
import { createGeminiChunkDecoder } from './decode-gemini-chunk.js';

/** Gemini's `streamGenerateContent?alt=sse`: each event's data decoded into events. Never throws. */
export function createGeminiSseReader(): StreamReader {
  const events = createSseDecoder();
  const decoder = createGeminiChunkDecoder();
  return {
    push: (bytes) => events.push(bytes).map((data) => decoder.decode(data)),
    end: () => events.end().map((data) => decoder.decode(data)),
  };
}
