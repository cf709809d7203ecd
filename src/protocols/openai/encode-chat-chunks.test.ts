import { describe, expect, it } from 'vitest';
import type { GenerationEvent } from '../generation-event.js';
import { type ChatStreamContext, createChatChunkEncoder } from './encode-chat-chunks.js';

const context = (): ChatStreamContext => {
  let counter = 0;
  return {
    id: 'chatcmpl-1',
    created: 1,
    model: 'm',
    newId: () => `n${++counter}`,
    showSearchLink: true,
    includeUsage: false,
  };
};
const deltas = (chunks: { choices: { index: number; delta: object; finish_reason: string | null }[] }[]) =>
  chunks.map((chunk) =>
    chunk.choices.map(({ index, delta, finish_reason }) => [index, delta, finish_reason]),
  );

describe('createChatChunkEncoder', () => {
  it('numbers tool calls across chunks, and ignores error events', () => {
    const encoder = createChatChunkEncoder(context());
    const call = (name: string): GenerationEvent => ({ type: 'tool-call', candidate: 0, name, args: {} });
    expect(deltas(encoder.encode([{ type: 'candidate', candidate: 0 }, call('a')]))).toEqual([
      [[0, { role: 'assistant', content: '' }, null]],
      [
        [
          0,
          {
            tool_calls: [
              { index: 0, id: 'call_n1', type: 'function', function: { name: 'a', arguments: '{}' } },
            ],
          },
          null,
        ],
      ],
    ]);
    expect(
      deltas(encoder.encode([call('b'), { type: 'error', status: 500, message: 'x', malformed: false }])),
    ).toEqual([
      [
        [
          0,
          {
            tool_calls: [
              { index: 1, id: 'call_n2', type: 'function', function: { name: 'b', arguments: '{}' } },
            ],
          },
          null,
        ],
      ],
    ]);
    expect(deltas(encoder.finish())).toEqual([[[0, {}, 'tool_calls']]]);
  });

  it('groups a chunk per candidate: role, reasoning, content, tool calls', () => {
    const encoder = createChatChunkEncoder(context());
    const chunks = encoder.encode([
      // No `candidate` event: the role comes all the same, the first time a candidate is seen.
      { type: 'text', candidate: 1, text: 'a' },
      { type: 'reasoning', candidate: 1, text: 'r' },
      { type: 'code', candidate: 1, language: 'PYTHON', code: 'x' },
      { type: 'file', candidate: 1, mimeType: 'audio/wav', data: 'AAAA' },
      { type: 'text', candidate: 0, text: 'b' },
      { type: 'usage', usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0, total: 2 } },
    ]);
    expect(deltas(chunks)).toEqual([
      [[1, { role: 'assistant', content: '' }, null]],
      [[1, { reasoning_content: 'r' }, null]],
      [[1, { content: 'a\n```python\nx\n```\n' }, null]],
      [[0, { role: 'assistant', content: '' }, null]],
      [[0, { content: 'b' }, null]],
    ]);
  });

  it('ends with the latest sources and finish of each choice, then the usage', () => {
    const encoder = createChatChunkEncoder({ ...context(), includeUsage: true });
    encoder.encode([
      { type: 'candidate', candidate: 0 },
      { type: 'sources', candidate: 0, sources: [{ uri: 'https://old' }] },
    ]);
    encoder.encode([
      { type: 'sources', candidate: 0, sources: [{ uri: 'https://new', title: 'New' }] },
      { type: 'finish', candidate: 0, reason: 'length', upstreamReason: 'MAX_TOKENS' },
      { type: 'usage', usage: { input: 1, output: 2, reasoning: 3, cachedInput: 0, total: 6 } },
    ]);
    const end = encoder.finish();
    expect(deltas(end)).toEqual([
      [[0, { content: '\n\n**Sources**\n1. [New](https://new)\n' }, null]],
      [[0, {}, 'length']],
      [],
    ]);
    expect(end[2]?.usage).toEqual({
      prompt_tokens: 1,
      completion_tokens: 5,
      total_tokens: 6,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });

  it('refuses the one choice of a blocked prompt', () => {
    const encoder = createChatChunkEncoder(context());
    expect(encoder.encode([{ type: 'blocked', reason: 'SAFETY' }])).toEqual([]);
    expect(deltas(encoder.finish())).toEqual([
      [[0, { role: 'assistant', content: '' }, null]],
      [[0, {}, 'content_filter']],
    ]);
  });
});
