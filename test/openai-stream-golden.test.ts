import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenerationEvent } from '../src/protocols/generation-event.js';
import {
  type ChatStreamContext,
  createChatChunkEncoder,
} from '../src/protocols/openai/encode-chat-chunks.js';
import { encodeOpenAIChunk, openAIStreamEnd } from '../src/protocols/openai/encode-openai-sse.js';
import { foldChatCompletion } from '../src/protocols/openai/fold-chat-completion.js';
import type { OpenAIChatChunk, OpenAIToolCall, OpenAIUsage } from '../src/protocols/openai/openai-types.js';
import {
  decodeGolden,
  goldenDirectory as directory,
  everySplit,
  goldenNames as names,
} from './helpers/golden-stream.js';

// Golden files: a Gemini SSE stream in (test/golden/*.gemini.sse, written in the shapes of recorded
// Gemini traffic), the OpenAI SSE the gateway must send out (*.openai.sse). The stream goes through
// the pipeline's pieces: SSE decoder → Gemini chunk decoder (events) → OpenAI chunk encoder. Every
// stream is also fed split at every byte boundary. UPDATE_GOLDEN=1 rewrites the expected files (then
// review the diff).

function goldenContext(): ChatStreamContext {
  let counter = 0;
  return {
    id: 'chatcmpl-golden',
    created: 1_700_000_000,
    model: 'requested-model',
    newId: () => `id${++counter}`,
    showSearchLink: true,
    includeUsage: true,
  };
}

/** An image event as the chat surface makes it before encoding: published, at a URL. */
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

function translate(input: Buffer, cuts: number[]): string {
  const encoder = createChatChunkEncoder(goldenContext());
  let out = '';
  for (const events of decode(input, cuts))
    for (const chunk of encoder.encode(events)) out += encodeOpenAIChunk(chunk);
  for (const chunk of encoder.finish()) out += encodeOpenAIChunk(chunk);
  return out + openAIStreamEnd;
}

interface ChoiceSummary {
  content: string;
  reasoning: string;
  toolCalls: OpenAIToolCall[];
  finishReason: string | null;
}

/** What a client assembles from an OpenAI stream, as the `openai` stream helper does. */
function assemble(sse: string): { choices: Map<number, ChoiceSummary>; usage?: OpenAIUsage | null } {
  const choices = new Map<number, ChoiceSummary>();
  let usage: OpenAIUsage | null | undefined;
  for (const event of sse.split('\n\n')) {
    if (event === '' || event === 'data: [DONE]') continue;
    const chunk = JSON.parse(event.replace(/^data: /, '')) as OpenAIChatChunk;
    if (chunk.usage) usage = chunk.usage;
    for (const { index, delta, finish_reason } of chunk.choices) {
      let choice = choices.get(index);
      if (!choice) {
        choice = { content: '', reasoning: '', toolCalls: [], finishReason: null };
        choices.set(index, choice);
      }
      choice.content += delta.content ?? '';
      choice.reasoning += delta.reasoning_content ?? '';
      for (const { index: at, ...call } of delta.tool_calls ?? []) {
        // Whole calls in one fragment (PROTOCOLS.md §3): the first fragment of each is all of it.
        expect(choice.toolCalls[at]).toBeUndefined();
        choice.toolCalls[at] = call as OpenAIToolCall;
      }
      if (finish_reason) choice.finishReason = finish_reason;
    }
  }
  return { choices, usage };
}

describe.each(names)('Gemini stream %s → OpenAI stream', (name) => {
  const input = readFileSync(join(directory, `${name}.gemini.sse`));
  const expectedFile = join(directory, `${name}.openai.sse`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(expectedFile, translate(input, []));
  const expected = readFileSync(expectedFile, 'utf8');

  it('matches the golden output', () => {
    expect(translate(input, [])).toBe(expected);
  });

  it('gives the same output however the bytes are split', () => {
    for (const cuts of everySplit(input)) expect(translate(input, cuts)).toBe(expected);
  });

  it('folds into the answer the golden stream adds up to', () => {
    // The golden stream (written by the old translator, never by this pipeline) assembled as a
    // client does, against the same events folded into one completion as a non-stream answer is.
    const streamed = assemble(expected);
    const folded = foldChatCompletion(decode(input, []).flat(), goldenContext());
    expect(
      folded.choices.map((choice) => [
        choice.index,
        {
          content: choice.message.content ?? '',
          reasoning: choice.message.reasoning_content ?? '',
          toolCalls: choice.message.tool_calls ?? [],
          finishReason: choice.finish_reason,
        },
      ]),
    ).toEqual([...streamed.choices]);
    expect(folded.usage).toEqual(streamed.usage);
  });
});
