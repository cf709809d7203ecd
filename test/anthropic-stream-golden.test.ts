import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import {
  createMessageEncoder,
  encodeAnthropicEvent,
} from '../src/protocols/anthropic/encode-message-events.js';
import { foldMessage } from '../src/protocols/anthropic/fold-message.js';
import { createGeminiChunkDecoder } from '../src/protocols/gemini/decode-gemini-chunk.js';
import type { GenerationEvent } from '../src/protocols/generation-event.js';
import { createSseDecoder } from '../src/streaming/create-sse-decoder.js';

// Golden files: the Gemini SSE streams of test/golden/*.gemini.sse (in the shapes of recorded Gemini
// traffic) and the Anthropic stream the gateway must send for each (*.anthropic.sse), through the
// pipeline's pieces: SSE decoder → Gemini chunk decoder (events) → Anthropic event encoder. Every
// stream is also fed split at every byte boundary. UPDATE_GOLDEN=1 rewrites the expected files (then
// review the diff).
const directory = join(import.meta.dirname, 'golden');
const names = readdirSync(directory)
  .filter((file) => file.endsWith('.gemini.sse'))
  .map((file) => file.replace(/\.gemini\.sse$/, ''));

function goldenContext() {
  let counter = 0;
  return {
    id: 'msg_golden',
    model: 'requested-model',
    newId: () => `id${++counter}`,
    imageUrl: (image: { mimeType: string; data: string }) =>
      `https://gateway.example/images/${image.mimeType.replace('/', '-')}-${image.data.length}`,
    showSearchLink: true,
  };
}

/** The Gemini stream's bytes, cut at `cuts`, as the decoded chunks' events. */
function decode(input: Buffer, cuts: number[]): GenerationEvent[][] {
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

function translate(input: Buffer, cuts: number[]): string {
  const encoder = createMessageEncoder(goldenContext());
  let out = '';
  for (const events of decode(input, cuts))
    for (const event of encoder.encode(events)) out += encodeAnthropicEvent(event);
  for (const event of encoder.finish()) out += encodeAnthropicEvent(event);
  return out;
}

/** The message the official client's stream helper adds the stream up to. */
async function assembledByClient(sse: string): Promise<Anthropic.Message> {
  const client = new Anthropic({
    apiKey: 'golden',
    baseURL: 'http://golden.invalid',
    maxRetries: 0,
    fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
  });
  return client.messages
    .stream({ model: 'requested-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    .finalMessage();
}

describe.each(names)('Gemini stream %s → Anthropic stream', (name) => {
  const input = readFileSync(join(directory, `${name}.gemini.sse`));
  const expectedFile = join(directory, `${name}.anthropic.sse`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(expectedFile, translate(input, []));
  const expected = readFileSync(expectedFile, 'utf8');

  it('matches the golden output', () => {
    expect(translate(input, [])).toBe(expected);
  });

  it('gives the same output however the bytes are split', () => {
    for (let cut = 1; cut < input.length; cut++) expect(translate(input, [cut])).toBe(expected);
    expect(
      translate(
        input,
        Array.from({ length: input.length - 1 }, (_, index) => index + 1),
      ),
    ).toBe(expected);
  });

  it('folds into the message the official client adds the golden stream up to', async () => {
    const streamed = await assembledByClient(expected);
    const folded = foldMessage(decode(input, []).flat(), goldenContext());
    const { id, type, role, model, content, stop_reason, stop_sequence, usage } = streamed;
    expect(folded).toEqual({ id, type, role, model, content, stop_reason, stop_sequence, usage });
  });
});
