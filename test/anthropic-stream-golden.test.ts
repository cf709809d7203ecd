import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import {
  createMessageEncoder,
  encodeAnthropicEvent,
} from '../src/protocols/anthropic/encode-message-events.js';
import { foldMessage } from '../src/protocols/anthropic/fold-message.js';
import type { GenerationEvent } from '../src/protocols/generation-event.js';
import {
  decodeGolden,
  goldenDirectory as directory,
  everySplit,
  goldenNames as names,
} from './helpers/golden-stream.js';

// Golden files: the Gemini SSE streams of test/golden/*.gemini.sse (in the shapes of recorded Gemini
// traffic) and the Anthropic stream the gateway must send for each (*.anthropic.sse), through the
// pipeline's pieces: SSE decoder → Gemini chunk decoder (events) → Anthropic event encoder. Every
// stream is also fed split at every byte boundary. UPDATE_GOLDEN=1 rewrites the expected files (then
// review the diff).

function goldenContext() {
  let counter = 0;
  return { id: 'msg_golden', model: 'requested-model', newId: () => `id${++counter}`, showSearchLink: true };
}

/** An image event as the surface makes it before encoding: published, at a URL. */
const published = (event: GenerationEvent): GenerationEvent =>
  event.type === 'file' && event.mimeType.startsWith('image/')
    ? {
        ...event,
        url: `https://gateway.example/images/${event.mimeType.replace('/', '-')}-${event.data.length}`,
      }
    : event;

/** The Gemini stream's bytes, cut at `cuts`, as the decoded chunks' events (images published). */
const decode = (input: Buffer, cuts: readonly number[]) =>
  decodeGolden(input, cuts).map((events) => events.map(published));

function translate(input: Buffer, cuts: readonly number[]): string {
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
    for (const cuts of everySplit(input)) expect(translate(input, cuts)).toBe(expected);
  });

  it('folds into the message the official client adds the golden stream up to', async () => {
    const streamed = await assembledByClient(expected);
    const folded = foldMessage(decode(input, []).flat(), goldenContext());
    const { id, type, role, model, content, stop_reason, stop_sequence, usage } = streamed;
    expect(folded).toEqual({ id, type, role, model, content, stop_reason, stop_sequence, usage });
  });
});
