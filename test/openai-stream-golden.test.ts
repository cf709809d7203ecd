import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createOpenAISseTransformer,
  encodeOpenAIChunk,
  openAIStreamEnd,
} from '../src/protocols/openai/create-openai-sse-transformer.js';

// Golden files: a Gemini SSE stream in (test/golden/*.gemini.sse, written in the shapes of recorded
// Gemini traffic), the OpenAI SSE the gateway must send out (*.openai.sse). Every stream is also fed
// split at every byte boundary. UPDATE_GOLDEN=1 rewrites the expected files (then review the diff).
const directory = join(import.meta.dirname, 'golden');
const names = readdirSync(directory)
  .filter((file) => file.endsWith('.gemini.sse'))
  .map((file) => file.replace(/\.gemini\.sse$/, ''));

function translate(input: Buffer, cuts: number[]): string {
  let counter = 0;
  const transformer = createOpenAISseTransformer({
    id: 'chatcmpl-golden',
    created: 1_700_000_000,
    model: 'requested-model',
    newId: () => `id${++counter}`,
    imageUrl: (image) =>
      `https://gateway.example/images/${image.mimeType.replace('/', '-')}-${image.data.length}`,
    showSearchLink: true,
    includeUsage: true,
  });
  let out = '';
  let start = 0;
  for (const cut of [...cuts, input.length]) {
    for (const chunk of transformer.push(input.subarray(start, cut))) out += encodeOpenAIChunk(chunk);
    start = cut;
  }
  for (const chunk of transformer.end()) out += encodeOpenAIChunk(chunk);
  return out + openAIStreamEnd;
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
    for (let cut = 1; cut < input.length; cut++) expect(translate(input, [cut])).toBe(expected);
    expect(
      translate(
        input,
        Array.from({ length: input.length - 1 }, (_, index) => index + 1),
      ),
    ).toBe(expected);
  });
});
