import { describe, expect, it } from 'vitest';
import type { DecodedChunk, GenerationEvent } from '../protocols/generation-event.js';
import { pacedPieces } from './paced-pieces.js';

const optimizer = { minDelayMs: 1, maxDelayMs: 5, shortThreshold: 3, longThreshold: 50, chunkSize: 4 };
const chunk = (...events: GenerationEvent[]): DecodedChunk => ({ events, data: '{}' });
const text = (value: string): GenerationEvent => ({ type: 'text', candidate: 0, text: value });

describe('pacedPieces', () => {
  it('re-cuts the text of a chunk whose one content event is text, keeping every character', () => {
    const pieces = pacedPieces(
      chunk({ type: 'candidate', candidate: 0 }, text('hello'), {
        type: 'finish',
        candidate: 0,
        reason: 'stop',
        upstreamReason: 'STOP',
      }),
      optimizer,
    );
    expect(pieces?.map((piece) => piece.text).join('')).toBe('hello');
    expect(pieces?.length).toBeGreaterThan(1);
  });

  it.each([
    ['two texts (two candidates)', [text('a'), { ...text('b'), candidate: 1 }]],
    ['reasoning beside the text', [{ type: 'reasoning', candidate: 0, text: 'hm' }, text('a')]],
    ['a tool call beside the text', [text('a'), { type: 'tool-call', candidate: 0, name: 'f', args: {} }]],
    [
      'an image beside the text',
      [text('a'), { type: 'file', candidate: 0, mimeType: 'image/png', data: 'AA' }],
    ],
    ['no text', [{ type: 'usage', usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0, total: 2 } }]],
    ['an error', [{ type: 'error', status: 502, message: 'x', malformed: true }]],
  ] as [string, GenerationEvent[]][])('leaves a chunk with %s as it is', (_, events) => {
    expect(pacedPieces(chunk(...events), optimizer)).toBeUndefined();
  });
});
