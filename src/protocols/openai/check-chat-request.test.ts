import { describe, expect, it } from 'vitest';
import { checkChatRequest } from './check-chat-request.js';
import { OpenAIRequestError } from './openai-error.js';

const valid = {
  model: 'gemini-2.5-flash',
  messages: [
    { role: 'system', content: 'be brief' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'image_url', image_url: { url: 'data:,' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
  ],
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
  tool_choice: { type: 'function', function: { name: 'f' } },
  stop: ['END'],
  n: 2,
  temperature: 0.5,
  stream: false,
  stream_options: null,
  reasoning_effort: 'low',
  extra_body: { google: { thinking_config: { thinking_budget: 128, include_thoughts: true } } },
};

/** The param and code of the error `checkChatRequest` throws for `valid` with `change` applied. */
function refusal(change: Record<string, unknown>): { param: string | null; code: string | null } | undefined {
  try {
    checkChatRequest({ ...valid, ...change });
    return undefined;
  } catch (error) {
    if (!(error instanceof OpenAIRequestError)) throw error;
    return { param: error.param, code: error.code };
  }
}

describe('checkChatRequest', () => {
  it('accepts a request of every field type the translation reads, nulls for optional fields included', () => {
    expect(refusal({})).toBeUndefined();
  });

  it.each([
    [{ model: undefined }, 'model', null],
    [{ model: 5 }, 'model', 'invalid_type'],
    [{ model: 'm'.repeat(257) }, 'model', 'invalid_value'],
    [{ messages: 'x' }, 'messages', 'invalid_type'],
    [{ messages: [null] }, 'messages[0]', 'invalid_type'],
    [{ messages: [{ role: 5 }] }, 'messages[0].role', 'invalid_type'],
    [{ messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', 'invalid_type'],
    [{ messages: [{ role: 'user', content: ['x'] }] }, 'messages[0].content[0]', 'invalid_type'],
    [
      { messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] },
      'messages[0].content[0].text',
      'invalid_type',
    ],
    [
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }] },
      'messages[0].content[0].image_url',
      'invalid_type',
    ],
    [
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 1 } }] }] },
      'messages[0].content[0].input_audio.data',
      'invalid_type',
    ],
    [{ messages: [{ role: 'assistant', tool_calls: {} }] }, 'messages[0].tool_calls', 'invalid_type'],
    [
      { messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: {} } }] }] },
      'messages[0].tool_calls[0].function.arguments',
      'invalid_type',
    ],
    [{ messages: [{ role: 'tool', tool_call_id: 1 }] }, 'messages[0].tool_call_id', 'invalid_type'],
    [{ tools: 'x' }, 'tools', 'invalid_type'],
    [{ tools: [{ type: 'function', function: 'f' }] }, 'tools[0].function', 'invalid_type'],
    [
      { tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] },
      'tools[0].function.parameters',
      'invalid_type',
    ],
    [{ tool_choice: 1 }, 'tool_choice', 'invalid_type'],
    [{ n: 'two' }, 'n', 'invalid_type'],
    [{ n: 1.5 }, 'n', 'invalid_type'],
    [{ stop: [1] }, 'stop[0]', 'invalid_type'],
    [{ temperature: '1' }, 'temperature', 'invalid_type'],
    [{ stream: 'yes' }, 'stream', 'invalid_type'],
    [{ stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage', 'invalid_type'],
    [{ response_format: { type: 1 } }, 'response_format.type', 'invalid_type'],
    [{ reasoning_effort: 'constructor' }, 'reasoning_effort', 'invalid_value'],
    [{ thinking: { budget_tokens: '1' } }, 'thinking.budget_tokens', 'invalid_type'],
    [{ extra_body: { google: [] } }, 'extra_body.google', 'invalid_type'],
    [{ google: { safety_settings: {} } }, 'google.safety_settings', 'invalid_type'],
  ])('refuses %j naming %s', (change, param, code) => {
    expect(refusal(change)).toEqual({ param, code });
  });
});
