import { describe, expect, it } from 'vitest';
import { checkResponsesRequest } from './check-responses-request.js';

const request = (extra: Record<string, unknown>) => ({ model: 'gemini-2.5-flash', input: 'hi', ...extra });
const refusal = (body: Record<string, unknown>) => {
  try {
    checkResponsesRequest(body);
  } catch (error) {
    const { param, code, status, message } = error as {
      param: string;
      code: string;
      status: number;
      message: string;
    };
    return { param, code, status, message };
  }
  throw new Error('no refusal');
};

describe('checkResponsesRequest', () => {
  it('passes a request as Codex sends it', () => {
    const body = request({
      instructions: 'You are a coding agent.',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the bug' }] },
        { type: 'reasoning', summary: [], encrypted_content: null },
        { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'README.md' },
      ],
      tools: [
        { type: 'function', name: 'shell', description: 'Runs a command', strict: false, parameters: {} },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'medium', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'a-session',
      text: { verbosity: 'low' },
    });
    expect(checkResponsesRequest(body)).toBe(body);
  });

  it('refuses what needs a stored response, saying none is kept', () => {
    for (const [field, value] of [
      ['previous_response_id', 'resp_1'],
      ['store', true],
      ['conversation', 'conv_1'],
      ['background', true],
      ['prompt', { id: 'pmpt_1' }],
    ] as const) {
      expect(refusal(request({ [field]: value }))).toEqual({
        param: field,
        code: 'unsupported_parameter',
        status: 400,
        message: expect.stringContaining('gemgate keeps no responses'),
      });
    }
    // Said in so many words only: left out or false, store is served (statelessly).
    expect(() => checkResponsesRequest(request({ store: false, previous_response_id: null }))).not.toThrow();
  });

  it('names the first field of a wrong type', () => {
    expect(refusal({ input: 'hi' }).param).toBe('model');
    expect(refusal(request({ input: undefined })).param).toBe('input');
    expect(refusal(request({ input: [{ role: 5, content: 'x' }] })).param).toBe('input[0].role');
    expect(
      refusal(request({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 1 }] }] })).param,
    ).toBe('input[0].content[0].image_url');
    expect(
      refusal(request({ input: [{ type: 'function_call_output', call_id: 'c', output: 5 }] })).param,
    ).toBe('input[0].output');
    expect(refusal(request({ input: [{ type: 'item_reference' }] })).param).toBe('input[0].id');
    expect(
      refusal(
        request({ input: [{ type: 'function_call', call_id: 'c', name: 'f', namespace: 1, arguments: '' }] }),
      ).param,
    ).toBe('input[0].namespace');
    expect(refusal(request({ tools: [{ type: 'namespace', name: 'agents', tools: {} }] })).param).toBe(
      'tools[0].tools',
    );
    expect(
      refusal(
        request({ tools: [{ type: 'namespace', name: 'agents', tools: [{ type: 'function', name: 2 }] }] }),
      ).param,
    ).toBe('tools[0].tools[0].name');
    expect(refusal(request({ tool_choice: { type: 'allowed_tools', tools: [5] } })).param).toBe(
      'tool_choice.tools[0]',
    );
    expect(refusal(request({ text: { format: { type: 5 } } })).param).toBe('text.format.type');
    expect(refusal(request({ reasoning: { effort: 'extreme' } }))).toMatchObject({
      param: 'reasoning.effort',
      code: 'invalid_value',
    });
    expect(refusal(request({ temperature: 'hot' })).param).toBe('temperature');
    expect(refusal(request({ include: [1] })).param).toBe('include[0]');
  });

  it('keeps metadata, which every response repeats, within OpenAI’s limits', () => {
    expect(refusal(request({ metadata: { ['k'.repeat(65)]: 'v' } })).param).toBe('metadata');
    expect(refusal(request({ metadata: { note: 5 } })).param).toBe('metadata.note');
    // A key too long is refused before any message quotes it.
    expect(refusal(request({ metadata: { ['k'.repeat(100_000)]: 5 } })).message.length).toBeLessThan(200);
    expect(() => checkResponsesRequest(request({ metadata: { note: 'v'.repeat(512) } }))).not.toThrow();
  });
});
