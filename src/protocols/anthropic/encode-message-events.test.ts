import { describe, expect, it } from 'vitest';
import type { GenerationEvent } from '../generation-event.js';
import type { AnthropicStreamEvent } from './anthropic-types.js';
import { createMessageEncoder } from './encode-message-events.js';
import { foldMessage } from './fold-message.js';
import { thoughtSignatureOfToolUseId } from './tool-use-id.js';

const context = () => {
  let counter = 0;
  return { id: 'msg_test', model: 'claude-sonnet-4-5', newId: () => `id${++counter}`, showSearchLink: false };
};
const usage = { input: 10, output: 5, reasoning: 7, cachedInput: 4, total: 22 };
/** The events' type, and for deltas the delta's, in order. */
const shapes = (events: readonly AnthropicStreamEvent[]) =>
  events.map((event) => (event.type === 'content_block_delta' ? event.delta.type : event.type));

describe('createMessageEncoder', () => {
  it('closes a thinking block at Gemini’s signature, so each signed thought is a block of its own', () => {
    const encoder = createMessageEncoder(context());
    const out = [
      ...encoder.encode([
        { type: 'candidate', candidate: 0 },
        { type: 'reasoning', candidate: 0, text: 'first' },
        { type: 'reasoning', candidate: 0, text: ' thought', signature: 'c2lnMQ==' },
        { type: 'reasoning', candidate: 0, text: 'second', signature: 'c2lnMg==' },
        { type: 'text', candidate: 0, text: 'answer' },
        // Gemini 3 ends a turn with an empty text carrying a signature, which Gemini does not check.
        { type: 'text', candidate: 0, text: '', signature: 'c2lnMw==' },
        { type: 'usage', usage },
      ]),
      ...encoder.finish(),
    ];
    expect(shapes(out)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'thinking_delta',
      'thinking_delta',
      'signature_delta',
      'content_block_stop',
      'content_block_start',
      'thinking_delta',
      'signature_delta',
      'content_block_stop',
      'content_block_start',
      'text_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(out.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 6,
        output_tokens: 12,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 4,
      },
    });
  });

  it('says a tool call whole, its id carrying the signature, and stops for tool_use', () => {
    const events: GenerationEvent[] = [
      { type: 'candidate', candidate: 0 },
      { type: 'text', candidate: 0, text: 'Let me check.' },
      { type: 'tool-call', candidate: 0, name: 'get_weather', args: { city: 'Paris' }, signature: 'c2ln' },
      { type: 'finish', candidate: 0, reason: 'stop', upstreamReason: 'STOP' },
    ];
    const message = foldMessage(events, context());
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      {
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_id1_ts_/),
        name: 'get_weather',
        input: { city: 'Paris' },
      },
    ]);
    const [, toolUse] = message.content;
    expect(thoughtSignatureOfToolUseId((toolUse as { id: string }).id)).toBe('c2ln');
    expect(message.stop_reason).toBe('tool_use');
  });

  it('a chunk said again with paced pieces of its text says nothing twice', () => {
    const encoder = createMessageEncoder(context());
    const chunk = (text: string): GenerationEvent[] => [
      { type: 'candidate', candidate: 0 },
      { type: 'text', candidate: 0, text },
      { type: 'usage', usage },
    ];
    const out = [...encoder.encode(chunk('Hel')), ...encoder.encode(chunk('lo')), ...encoder.finish()];
    expect(shapes(out)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'text_delta',
      'text_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('a stream that ended before any chunk is still a whole message; other candidates are left out', () => {
    expect(shapes(createMessageEncoder(context()).finish())).toEqual([
      'message_start',
      'ping',
      'message_delta',
      'message_stop',
    ]);
    const message = foldMessage(
      [
        { type: 'text', candidate: 1, text: 'other' },
        { type: 'finish', candidate: 1, reason: 'content-filter', upstreamReason: 'SAFETY' },
        { type: 'finish', candidate: 0, reason: 'length', upstreamReason: 'MAX_TOKENS' },
      ],
      context(),
    );
    expect(message).toMatchObject({ content: [], stop_reason: 'max_tokens', model: 'claude-sonnet-4-5' });
  });

  it('a refused prompt or answer stops as refusal', () => {
    expect(foldMessage([{ type: 'blocked', reason: 'SAFETY' }], context()).stop_reason).toBe('refusal');
    expect(
      foldMessage(
        [{ type: 'finish', candidate: 0, reason: 'content-filter', upstreamReason: 'SAFETY' }],
        context(),
      ).stop_reason,
    ).toBe('refusal');
  });
});
