import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenerationEvent } from '../src/protocols/generation-event.js';
import { createResponsesEncoder } from '../src/protocols/openai-responses/encode-responses-events.js';
import { foldResponse } from '../src/protocols/openai-responses/fold-response.js';
import { type ResponseContext, responseEchoOf } from '../src/protocols/openai-responses/response-context.js';
import { encodeResponsesEvent } from '../src/protocols/openai-responses/responses-surface.js';
import { decodeGolden, everySplit, goldenDirectory, goldenNames } from './helpers/golden-stream.js';

// Golden files for the Responses API: the golden Gemini streams in (test/golden/*.gemini.sse), the
// Responses stream the gateway must send out (*.responses.sse), through the pipeline's pieces (SSE
// decoder → Gemini chunk decoder → Responses encoder), fed whole and split at every byte boundary.
// UPDATE_GOLDEN=1 rewrites the expected files (then review the diff). The non-stream answer, the fold
// of the same events, must be what a client assembles from the stream's deltas.

function goldenContext(): ResponseContext {
  let counter = 0;
  return {
    id: 'resp_golden',
    createdAt: 1_700_000_000,
    model: 'requested-model',
    newId: () => `id${++counter}`,
    echo: responseEchoOf({ model: 'requested-model', input: 'hi', instructions: 'Be brief.' }),
  };
}

function translate(events: readonly GenerationEvent[][]): string {
  const encoder = createResponsesEncoder(goldenContext());
  let out = '';
  for (const chunk of events) for (const event of encoder.encode(chunk)) out += encodeResponsesEvent(event);
  for (const event of encoder.finish()) out += encodeResponsesEvent(event);
  return out;
}

type Json = Record<string, unknown> & { type: string };
type Item = Json & {
  content?: Json[];
  summary?: Json[];
  arguments?: string;
  status?: string;
  result?: unknown;
};

/** The events of a Responses stream, each checked to be named after its type. */
function parseStream(sse: string): Json[] {
  return sse
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine, ...rest] = block.split('\n');
      expect(rest).toEqual([]);
      const event = JSON.parse((dataLine ?? '').replace(/^data: /, '')) as Json;
      expect(eventLine).toBe(`event: ${event.type}`);
      return event;
    });
}

/**
 * The output a client builds from the stream's added and delta events alone, each item checked
 * against the whole item its `output_item.done` carries (the done item decides only the status, and
 * an image's result, which has no deltas).
 */
function assembleOutput(events: readonly Json[]): Item[] {
  const output: Item[] = [];
  const itemAt = (event: Json) => output[event.output_index as number] as Item;
  const textAt = (parts: Json[] | undefined, index: unknown) => (parts ?? [])[index as number] as Json;
  for (const event of events) {
    switch (event.type) {
      case 'response.output_item.added':
        output[event.output_index as number] = structuredClone(event.item) as Item;
        break;
      case 'response.content_part.added':
        itemAt(event).content?.push(structuredClone(event.part) as Json);
        break;
      case 'response.output_text.delta':
        textAt(itemAt(event).content, event.content_index).text += event.delta as string;
        break;
      case 'response.output_text.annotation.added':
        (textAt(itemAt(event).content, event.content_index).annotations as unknown[])[
          event.annotation_index as number
        ] = event.annotation;
        break;
      case 'response.reasoning_summary_part.added':
        itemAt(event).summary?.push(structuredClone(event.part) as Json);
        break;
      case 'response.reasoning_summary_text.delta':
        textAt(itemAt(event).summary, event.summary_index).text += event.delta as string;
        break;
      case 'response.function_call_arguments.delta':
        itemAt(event).arguments += event.delta as string;
        break;
      case 'response.output_item.done': {
        const done = event.item as Item;
        const built = { ...itemAt(event), ...('status' in done ? { status: done.status } : {}) };
        if (done.type === 'image_generation_call') built.result = done.result;
        expect(built).toEqual(done);
        output[event.output_index as number] = built;
        break;
      }
    }
  }
  return output;
}

describe.each(goldenNames)('Gemini stream %s → Responses stream', (name) => {
  const input = readFileSync(join(goldenDirectory, `${name}.gemini.sse`));
  const expectedFile = join(goldenDirectory, `${name}.responses.sse`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(expectedFile, translate(decodeGolden(input, [])));
  const expected = readFileSync(expectedFile, 'utf8');

  it('matches the golden output', () => {
    expect(translate(decodeGolden(input, []))).toBe(expected);
  });

  it('gives the same output however the bytes are split', () => {
    for (const cuts of everySplit(input)) expect(translate(decodeGolden(input, cuts))).toBe(expected);
  });

  it('numbers its events in order, and starts and ends as the API does', () => {
    const events = parseStream(expected);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.slice(0, 2).map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
    ]);
    expect(['response.completed', 'response.incomplete']).toContain(events.at(-1)?.type);
  });

  it('folds into the response the stream ends with, which its deltas add up to', () => {
    const events = parseStream(expected);
    const folded = foldResponse(decodeGolden(input, []).flat(), goldenContext());
    expect(events.at(-1)?.response).toEqual(JSON.parse(JSON.stringify(folded)));
    expect(assembleOutput(events)).toEqual(JSON.parse(JSON.stringify(folded.output)));
  });
});
