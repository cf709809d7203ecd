import { describe, expect, it } from 'vitest';
import { resolveModel } from '../gemini/resolve-model.js';
import { createToolCallId } from '../openai/tool-call-id.js';
import { convertResponsesRequest, responsesMediaUrlsOf } from './convert-responses-request.js';
import type { ResponsesRequest } from './responses-types.js';

const lists = { searchModels: ['gemini-2.5-flash'], imageModels: [], thinkingModels: [] };
const png = { mimeType: 'image/png', data: 'iVBORw0KGgo=' };
const convert = (request: Partial<ResponsesRequest>, model = 'gemini-2.5-flash') =>
  convertResponsesRequest({ model, input: 'hi', ...request } as ResponsesRequest, {
    choice: resolveModel(model, lists),
    thinkingBudgetMap: {},
    showThinking: false,
    codeExecution: false,
    urlContext: false,
    safetySettings: [],
    media: new Map([['https://example.com/cat.png', png]]),
  });
const refusal = (request: Partial<ResponsesRequest>) => {
  try {
    convert(request);
  } catch (error) {
    return { param: (error as { param: string }).param, message: (error as Error).message };
  }
  throw new Error('no refusal');
};
const weather = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object' } };

describe('convertResponsesRequest', () => {
  it('takes input as a string, and instructions then system and developer messages as the system instruction', () => {
    expect(convert({})).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    expect(
      convert({
        instructions: 'one',
        input: [
          { role: 'system', content: 'two' },
          { role: 'user', content: [{ type: 'input_text', text: 'question' }] },
          { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'three' }] },
          { role: 'assistant', content: [{ type: 'output_text', text: 'answer' }] },
          { role: 'user', content: 'again' },
        ],
      }),
    ).toEqual({
      systemInstruction: { parts: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] },
      contents: [
        { role: 'user', parts: [{ text: 'question' }] },
        { role: 'model', parts: [{ text: 'answer' }] },
        { role: 'user', parts: [{ text: 'again' }] },
      ],
    });
  });

  it('makes one model turn of a message and its calls, and one user turn of their outputs', () => {
    const signed = createToolCallId('abc', 'c2lnbmF0dXJl');
    const { contents } = convert(
      {
        tools: [weather],
        input: [
          { role: 'user', content: 'weather and time?' },
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
          { role: 'assistant', content: [{ type: 'output_text', text: 'Let me look.' }] },
          { type: 'function_call', call_id: signed, name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call', call_id: 'call_plain', name: 'get_time', arguments: '' },
          { type: 'function_call_output', call_id: signed, output: '{"temp":21}' },
          {
            type: 'function_call_output',
            call_id: 'call_plain',
            output: [
              { type: 'input_text', text: '10:00' },
              { type: 'input_image', image_url: `data:${png.mimeType};base64,${png.data}` },
            ],
          },
        ],
      },
      'gemini-3-pro-preview',
    );
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'weather and time?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Let me look.' },
          {
            functionCall: { name: 'get_weather', args: { city: 'Paris' } },
            thoughtSignature: 'c2lnbmF0dXJl',
          },
          {
            functionCall: { name: 'get_time', args: {} },
            thoughtSignature: 'skip_thought_signature_validator',
          },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { result: '10:00' } } },
          { inlineData: png },
        ],
      },
    ]);
    // Before Gemini 3 a call without a signature goes back without one.
    const older = convert({
      input: [
        { role: 'user', content: 'x' },
        { type: 'function_call', call_id: 'call_plain', name: 'f', arguments: '{}' },
      ],
    });
    expect(older.contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] });
  });

  it('refuses what it cannot translate, naming the field', () => {
    expect(
      refusal({
        input: [
          { role: 'user', content: 'x' },
          { type: 'function_call_output', call_id: 'call_unknown', output: 'y' },
        ],
      }).param,
    ).toBe('input[1].call_id');
    expect(refusal({ input: [{ type: 'item_reference', id: 'msg_1' }] })).toEqual({
      param: 'input[0].id',
      message: expect.stringContaining('store: false'),
    });
    expect(refusal({ input: [{ type: 'computer_call_output' } as never] }).param).toBe('input[0].type');
    expect(refusal({ input: [{ role: 'tool', content: 'x' } as never] }).param).toBe('input[0].role');
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_audio' } as never] }] }).param).toBe(
      'input[0].content[0].type',
    );
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_image' }] }] }).param).toBe(
      'input[0].content[0]',
    );
    expect(
      refusal({
        input: [
          { role: 'user', content: 'x' },
          { type: 'function_call', call_id: 'c', name: 'f', arguments: '[1]' },
        ],
      }).param,
    ).toBe('input[1].arguments');
    expect(refusal({ input: [] }).param).toBe('input');
    expect(
      refusal({
        input: [
          { type: 'reasoning', summary: [] },
          { type: 'item_reference', id: 'rs_1' },
        ],
      }).param,
    ).toBe('input');
    expect(refusal({ tools: [{ type: 'file_search' } as never] }).param).toBe('tools[0].type');
    expect(refusal({ tools: [weather], tool_choice: { type: 'web_search_preview' } as never }).param).toBe(
      'tool_choice',
    );
  });

  it('reads images and files as data URLs, fetched URLs and uploaded files', () => {
    const request: Partial<ResponsesRequest> = {
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'https://example.com/cat.png' },
            { type: 'input_image', file_id: 'files/abc-123' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
            { type: 'input_file', file_id: 'abc-456', filename: 'notes.txt' },
            { type: 'input_file', file_url: 'https://example.com/cat.png' },
          ],
        },
      ],
    };
    expect(convert(request).contents[0]?.parts).toEqual([
      { inlineData: png },
      { fileData: { fileUri: 'files/abc-123' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
      { fileData: { fileUri: 'files/abc-456', mimeType: 'text/plain' } },
      { inlineData: png },
    ]);
    expect(responsesMediaUrlsOf({ model: 'm', ...request } as ResponsesRequest)).toEqual([
      'https://example.com/cat.png',
      'https://example.com/cat.png',
    ]);
  });

  it('maps tools and tool_choice, web search to Google Search', () => {
    const time = { type: 'function' as const, name: 'get_time' };
    expect(convert({ tools: [weather, { type: 'web_search' }] }).tools).toEqual([
      { functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }] },
      { googleSearch: {} },
    ]);
    expect(convert({ tools: [weather], tool_choice: 'required' }).toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY' },
    });
    expect(
      convert({ tools: [weather, time], tool_choice: { type: 'function', name: 'get_time' } }).toolConfig,
    ).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
    });
    const allowed = convert({
      tools: [weather, time],
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_time' }] },
    });
    expect(allowed.tools).toEqual([{ functionDeclarations: [{ name: 'get_time' }] }]);
    expect(allowed.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    // A -search model answers with Google Search without being asked.
    expect(convert({}, 'gemini-2.5-flash-search').tools).toEqual([{ googleSearch: {} }]);
  });

  it('maps sampling, output limits, text formats and reasoning, injecting nothing', () => {
    expect(
      convert({ temperature: null, top_p: null, max_output_tokens: null }).generationConfig,
    ).toBeUndefined();
    expect(
      convert({
        temperature: 0.2,
        top_p: 0.9,
        max_output_tokens: 100,
        text: { format: { type: 'json_object' } },
        reasoning: { effort: 'minimal' },
      }).generationConfig,
    ).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 100,
      responseMimeType: 'application/json',
      thinkingConfig: { thinkingBudget: 128, includeThoughts: true },
    });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(
      convert({ text: { format: { type: 'json_schema', name: 'a', schema } } }).generationConfig,
    ).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    expect(convert({ reasoning: { effort: 'none', summary: 'auto' } }).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 0 },
    });
    expect(convert({ reasoning: { summary: 'detailed' } }).generationConfig).toEqual({
      thinkingConfig: { includeThoughts: true },
    });
  });
});
