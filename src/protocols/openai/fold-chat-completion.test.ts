import { describe, expect, it } from 'vitest';
import { createGeminiChunkDecoder } from '../gemini/decode-gemini-chunk.js';
import type { GeminiResponse } from '../gemini/gemini-types.js';
import type { CompletionContext } from './fold-chat-completion.js';
import { foldChatCompletion } from './fold-chat-completion.js';

// The cases of convert-to-openai-response.test.ts, through the events: the Gemini answer decoded
// whole, then folded.
let counter = 0;
const context = (): CompletionContext => {
  counter = 0;
  return {
    id: 'chatcmpl-1',
    created: 1_700_000_000,
    model: 'gemini-2.5-flash',
    newId: () => `n${++counter}`,
    showSearchLink: true,
  };
};
const usage = {
  promptTokenCount: 10,
  candidatesTokenCount: 5,
  thoughtsTokenCount: 7,
  cachedContentTokenCount: 4,
  totalTokenCount: 22,
};

function convert(response: GeminiResponse, completion: CompletionContext) {
  const { events } = createGeminiChunkDecoder().decode(JSON.stringify(response), true);
  expect(events.filter((event) => event.type === 'error')).toEqual([]);
  return foldChatCompletion(events, completion);
}

describe('foldChatCompletion', () => {
  it('separates thoughts from content and reports usage with reasoning and cached tokens', () => {
    const response: GeminiResponse = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ text: 'thinking…', thought: true }, { text: 'Answer' }, { text: '!' }],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: usage,
    };
    expect(convert(response, context())).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Answer!', reasoning_content: 'thinking…' },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 12,
        total_tokens: 22,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 7 },
      },
    });
  });

  it('turns function calls into tool_calls with ids, and says so in finish_reason', () => {
    const response: GeminiResponse = {
      candidates: [
        {
          content: {
            parts: [
              { functionCall: { name: 'a', args: { x: 1 } }, thoughtSignature: 'c2ln' },
              { functionCall: { name: 'b' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    };
    const choice = convert(response, context()).choices[0];
    expect(choice).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_n1_ts_c2ln',
            type: 'function',
            function: { name: 'a', arguments: '{"x":1}' },
            extra_content: { google: { thought_signature: 'c2ln' } },
          },
          { id: 'call_n2', type: 'function', function: { name: 'b', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['OTHER', 'stop'],
  ])('maps finishReason %s to %s', (reason, expected) => {
    const response: GeminiResponse = {
      candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: reason }],
    };
    expect(convert(response, context()).choices[0]?.finish_reason).toBe(expected);
  });

  it('answers a blocked prompt with content_filter', () => {
    expect(convert({ promptFeedback: { blockReason: 'SAFETY' } }, context()).choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null },
        finish_reason: 'content_filter',
        logprobs: null,
      },
    ]);
  });

  it('renders code execution, images and search sources into the content', () => {
    const response: GeminiResponse = {
      candidates: [
        {
          content: {
            parts: [
              { executableCode: { language: 'PYTHON', code: 'print(2)' } },
              { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '2\n' } },
              { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
            ],
          },
          groundingMetadata: { groundingChunks: [{ web: { uri: 'https://example.com/a', title: 'A' } }] },
          finishReason: 'STOP',
        },
      ],
    };
    expect(convert(response, context()).choices[0]?.message.content).toBe(
      '\n```python\nprint(2)\n```\n\n```\n2\n\n```\n\n\n![image](data:image/png;base64,AAAA)\n\n\n\n**Sources**\n1. [A](https://example.com/a)\n',
    );
    const quiet = { ...context(), showSearchLink: false };
    expect(convert(response, quiet).choices[0]?.message.content).not.toContain('Sources');
  });

  it('returns one choice per candidate', () => {
    const response: GeminiResponse = {
      candidates: [
        { content: { parts: [{ text: 'a' }] }, index: 0, finishReason: 'STOP' },
        { content: { parts: [{ text: 'b' }] }, index: 1, finishReason: 'MAX_TOKENS' },
      ],
    };
    expect(
      convert(response, context()).choices.map((choice) => [
        choice.index,
        choice.message.content,
        choice.finish_reason,
      ]),
    ).toEqual([
      [0, 'a', 'stop'],
      [1, 'b', 'length'],
    ]);
  });

  it('links images to where they were published, inlines those that were not, and leaves other media out', () => {
    const response: GeminiResponse = {
      candidates: [
        {
          content: {
            parts: [
              { inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: 'AAAA' } },
              { inlineData: { mimeType: 'image/jpeg', data: 'BBBB' } },
            ],
          },
        },
      ],
    };
    expect(convert(response, context()).choices[0]?.message.content).toBe(
      '\n\n![image](data:image/jpeg;base64,BBBB)\n\n',
    );
    const { events } = createGeminiChunkDecoder().decode(JSON.stringify(response), true);
    const published = events.map((event) =>
      event.type === 'file' ? { ...event, url: `https://x/${event.mimeType}` } : event,
    );
    expect(foldChatCompletion(published, context()).choices[0]?.message.content).toBe(
      '\n\n![image](https://x/image/jpeg)\n\n',
    );
  });

  it('folds a stream’s events: text joined, the latest finish, sources and usage', () => {
    const decoder = createGeminiChunkDecoder();
    const chunks: GeminiResponse[] = [
      { candidates: [{ content: { parts: [{ text: 'a' }] } }], usageMetadata: { promptTokenCount: 1 } },
      {
        candidates: [
          {
            content: { parts: [{ text: 'b' }, { functionCall: { name: 'f' } }] },
            groundingMetadata: { groundingChunks: [{ web: { uri: 'https://s' } }] },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2 },
      },
    ];
    const events = chunks.flatMap((chunk) => decoder.decode(JSON.stringify(chunk)).events);
    const completion = foldChatCompletion(
      [...events, { type: 'error', status: 500, message: 'ignored', malformed: false }],
      context(),
    );
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'ab\n\n**Sources**\n1. [https://s](https://s)\n',
          tool_calls: [{ id: 'call_n1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
    ]);
    expect(completion.usage?.total_tokens).toBe(3);
  });
});
