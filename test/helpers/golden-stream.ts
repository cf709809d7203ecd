import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createGeminiChunkDecoder } from '../../src/protocols/gemini/decode-gemini-chunk.js';
import type { GenerationEvent } from '../../src/protocols/generation-event.js';
import { createSseDecoder } from '../../src/streaming/create-sse-decoder.js';

// The golden Gemini streams (test/golden/*.gemini.sse, written in the shapes of recorded Gemini
// traffic) every client surface's golden test encodes, through the pipeline's own reading pieces.

export const goldenDirectory = join(import.meta.dirname, '..', 'golden');

/** The names of the golden Gemini streams (`text` for text.gemini.sse). */
export const goldenNames = readdirSync(goldenDirectory)
  .filter((file) => file.endsWith('.gemini.sse'))
  .map((file) => file.replace(/\.gemini\.sse$/, ''));

/**
 * A Gemini stream's bytes, cut at `cuts`, through the SSE decoder and the Gemini chunk decoder: the
 * decoded chunks' events. A golden stream holds no error.
 */
export function decodeGolden(input: Buffer, cuts: readonly number[]): GenerationEvent[][] {
  const sse = createSseDecoder();
  const decoder = createGeminiChunkDecoder();
  const chunks: GenerationEvent[][] = [];
  const take = (datas: string[]) => {
    for (const data of datas) {
      const { events } = decoder.decode(data);
      const error = events.find((event) => event.type === 'error');
      if (error) throw new Error(`the golden stream has an error event: ${JSON.stringify(error)}`);
      chunks.push([...events]);
    }
  };
  let start = 0;
  for (const cut of [...cuts, input.length]) {
    take(sse.push(input.subarray(start, cut)));
    start = cut;
  }
  take(sse.end());
  return chunks;
}

/** Every single cut of `input`, then all cuts at once: the splits a golden stream is fed in. */
export function everySplit(input: Buffer): number[][] {
  const single = Array.from({ length: input.length - 1 }, (_, index) => [index + 1]);
  return [...single, single.flat()];
}
