import { describe, expect, it } from 'vitest';
import { resolveModel } from '../gemini/resolve-model.js';
import { parseDataUrl } from './convert-file-part.js';
import { convertToGeminiRequest, mediaUrlsOf } from './convert-to-gemini-request.js';
import type { OpenAIChatRequest } from './openai-types.js';
import { createToolCallId, thoughtSignatureOf } from './tool-call-id.js';

const lists = {
  searchModels: ['gemini-2.5-flash'],
  imageModels: ['gemini-2.0-flash'],
  thinkingModels: ['gemini-2.5-flash'],
};
const options = (model: string, extra: Partial<Parameters<typeof convertToGeminiRequest>[1]> = {}) => ({
  choice: resolveModel(model, lists),
  thinkingBudgetMap: {},
  showThinking: false,
  codeExecution: false,
  urlContext: false,
  safetySettings: [],
  media: new Map(),
  ...extra,
});
const user = (content: OpenAIChatRequest['messages'][number]['content']) => ({
  role: 'user' as const,
  content,
});
const convert = (request: Partial<OpenAIChatRequest>, model = 'gemini-2.5-flash', extra = {}) =>
  convertToGeminiRequest(
    { model, messages: [user('hi')], ...request } as OpenAIChatRequest,
    options(model, extra),
  );

describe('convertToGeminiRequest', () => {
  it('keeps every system and developer message, in order, and maps roles', () => {
    const gemini = convert({
      messages: [
        { role: 'system', content: 'one' },
        user('question'),
        { role: 'developer', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: 'answer' },
        user('again'),
      ],
    });
    expect(gemini).toEqual({
      systemInstruction: { parts: [{ text: 'one' }, { text: 'two' }] },
      contents: [
        { role: 'user', parts: [{ text: 'question' }] },
        { role: 'model', parts: [{ text: 'answer' }] },
        { role: 'user', parts: [{ text: 'again' }] },
      ],
    });
  });

  it('injects no sampling defaults, and maps what the client sent', () => {
    expect(convert({}).generationConfig).toBeUndefined();
    expect(
      convert({
        temperature: 0.3,
        top_p: 0.9,
        n: 2,
        max_tokens: 10,
        max_completion_tokens: 20,
        stop: 'END',
        seed: 7,
        presence_penalty: 0.5,
        frequency_penalty: 0.25,
        logprobs: true,
        top_logprobs: 3,
      }).generationConfig,
    ).toEqual({
      temperature: 0.3,
      topP: 0.9,
      candidateCount: 2,
      maxOutputTokens: 20,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      responseLogprobs: true,
      logprobs: 3,
    });
  });

  it('inlines images, audio and files; fetched http(s) images come from the media map', () => {
    const media = new Map([['https://example.com/cat.png', { mimeType: 'image/png', data: 'Q0FU' }]]);
    const gemini = convert(
      {
        messages: [
          user([
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,SlBH' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'input_audio', input_audio: { data: 'V0FW', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,UERG', filename: 'a.pdf' } },
            { type: 'file', file: { file_data: 'VFhU', filename: 'notes.txt' } },
            { type: 'file', file: { file_id: 'files/abc-1', filename: 'report.pdf' } },
            { type: 'file', file: { file_id: 'def2' } },
          ]),
        ],
      },
      'gemini-2.5-flash',
      { media },
    );
    expect(gemini.contents[0]?.parts).toEqual([
      { text: 'look' },
      { inlineData: { mimeType: 'image/jpeg', data: 'SlBH' } },
      { inlineData: { mimeType: 'image/png', data: 'Q0FU' } },
      { inlineData: { mimeType: 'audio/wav', data: 'V0FW' } },
      { inlineData: { mimeType: 'application/pdf', data: 'UERG' } },
      { inlineData: { mimeType: 'text/plain', data: 'VFhU' } },
      { fileData: { fileUri: 'files/abc-1', mimeType: 'application/pdf' } },
      { fileData: { fileUri: 'files/def2' } },
    ]);
    for (const fileId of ['files/../models/x', 'FILES/A', 'https://evil.example/files/a'])
      expect(() =>
        convert({ messages: [user([{ type: 'file', file: { file_id: fileId } }])] }, 'gemini-2.5-flash'),
      ).toThrow(/file_id must name a file/);
  });

  it('maps tools with their full JSON Schema, tool_choice, calls and results with names and ids', () => {
    const schema = {
      type: 'object',
      properties: { city: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/place' }] } },
      $defs: { place: { type: 'object' } },
      required: ['city'],
      additionalProperties: false,
    };
    const gemini = convert({
      tools: [
        { type: 'function', function: { name: 'weather', description: 'Weather now', parameters: schema } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      messages: [
        user('weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
      ],
    });
    expect(gemini.tools).toEqual([
      {
        functionDeclarations: [{ name: 'weather', description: 'Weather now', parametersJsonSchema: schema }],
      },
    ]);
    expect(gemini.toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather'] },
    });
    expect(gemini.contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'weather', args: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { temp: 21 } } },
          { functionResponse: { name: 'weather', response: { result: 'sunny' } } },
        ],
      },
    ]);
  });

  it.each([
    ['none', 'NONE'],
    ['auto', 'AUTO'],
    ['required', 'ANY'],
  ] as const)('maps tool_choice %s to %s', (choice, mode) => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    expect(convert({ tools, tool_choice: choice }).toolConfig).toEqual({ functionCallingConfig: { mode } });
  });

  it('carries Gemini 3 thought signatures back, from the id or extra_content, or skips the check when lost', () => {
    const id = createToolCallId('abc', 'c2ln');
    expect(thoughtSignatureOf({ id })).toBe('c2ln');
    const messages: OpenAIChatRequest['messages'] = [
      user('go'),
      {
        role: 'assistant',
        tool_calls: [
          { id, type: 'function', function: { name: 'a', arguments: '{}' } },
          {
            id: 'call_x',
            type: 'function',
            function: { name: 'b', arguments: '' },
            extra_content: { google: { thought_signature: 'b3RoZXI=' } },
          },
          { id: 'call_y', type: 'function', function: { name: 'c', arguments: '{}' } },
        ],
      },
    ];
    expect(
      convert({ messages }, 'gemini-3-pro-preview').contents[1]?.parts.map((part) => part.thoughtSignature),
    ).toEqual(['c2ln', 'b3RoZXI=', 'skip_thought_signature_validator']);
    expect(
      convert({ messages }, 'gemini-2.5-flash').contents[1]?.parts.map((part) => part.thoughtSignature),
    ).toEqual(['c2ln', 'b3RoZXI=', undefined]);
  });

  it('maps response_format, keeping a full JSON Schema', () => {
    expect(convert({ response_format: { type: 'json_object' } }).generationConfig).toEqual({
      responseMimeType: 'application/json',
    });
    const schema = { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] } } };
    expect(
      convert({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } })
        .generationConfig,
    ).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it.each([
    ['gemini-2.5-flash', { reasoning_effort: 'low' }, { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-2.5-flash', { reasoning_effort: 'high' }, { thinkingBudget: 24576, includeThoughts: true }],
    ['gemini-2.5-flash', { reasoning_effort: 'none' }, { thinkingBudget: 0 }],
    [
      'gemini-3-pro-preview',
      { reasoning_effort: 'medium' },
      { thinkingLevel: 'high', includeThoughts: true },
    ],
    [
      'gemini-2.5-flash',
      { thinking: { type: 'enabled', budget_tokens: 2048 } },
      { thinkingBudget: 2048, includeThoughts: true },
    ],
    [
      'gemini-2.5-flash',
      { extra_body: { google: { thinking_config: { thinking_budget: 800, include_thoughts: false } } } },
      { thinkingBudget: 800, includeThoughts: false },
    ],
    ['gemini-2.5-flash-non-thinking', { reasoning_effort: 'high' }, { thinkingBudget: 0 }],
  ] as const)('maps thinking for %s with %j', (model, request, thinkingConfig) => {
    expect(convert(request as Partial<OpenAIChatRequest>, model).generationConfig?.thinkingConfig).toEqual(
      thinkingConfig,
    );
  });

  it('applies THINKING_BUDGET_MAP and SHOW_THINKING_PROCESS only where the client said nothing', () => {
    const extra = { thinkingBudgetMap: { 'gemini-2.5-flash': 512 }, showThinking: true };
    expect(convert({}, 'gemini-2.5-flash', extra).generationConfig?.thinkingConfig).toEqual({
      thinkingBudget: 512,
      includeThoughts: true,
    });
    expect(
      convert({ reasoning_effort: 'low' }, 'gemini-2.5-flash', extra).generationConfig?.thinkingConfig
        ?.thinkingBudget,
    ).toBe(1024);
    // A model that does not think is not asked for thoughts.
    expect(convert({}, 'gemini-2.0-flash', extra).generationConfig).toBeUndefined();
  });

  it('adds the seed’s model features: -search, -image, code execution, URL context, safety settings', () => {
    expect(convert({}, 'gemini-2.5-flash-search').tools).toEqual([{ googleSearch: {} }]);
    expect(convert({}, 'gemini-2.0-flash-image').generationConfig).toEqual({
      responseModalities: ['TEXT', 'IMAGE'],
    });
    expect(convert({}, 'gemini-2.5-flash', { codeExecution: true, urlContext: true }).tools).toEqual([
      { codeExecution: {} },
      { urlContext: {} },
    ]);
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    expect(convert({}, 'gemini-2.5-flash', { safetySettings: safety }).safetySettings).toEqual(safety);
    const mine = [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' }];
    expect(
      convert({ extra_body: { google: { safety_settings: mine } } }, 'gemini-2.5-flash', {
        safetySettings: safety,
      }).safetySettings,
    ).toEqual(mine);
  });

  it.each<[string, Partial<OpenAIChatRequest>, string]>([
    ['no messages', { messages: [] }, 'messages'],
    ['only a system message', { messages: [{ role: 'system', content: 'x' }] }, 'messages'],
    ['an unknown role', { messages: [{ role: 'robot', content: 'x' } as never] }, 'messages[0].role'],
    [
      'an image that is neither data nor fetched',
      { messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x' } }])] },
      'messages[0].content[0]',
    ],
    [
      'arguments that are not JSON',
      {
        messages: [
          user('x'),
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{' } }],
          },
        ],
      },
      'messages[1].tool_calls[0].function.arguments',
    ],
    [
      'a tool result for no call',
      { messages: [user('x'), { role: 'tool', tool_call_id: 'nope', content: 'r' }] },
      'messages[1].tool_call_id',
    ],
    ['a tool without a name', { tools: [{ type: 'function', function: {} } as never] }, 'tools[0]'],
  ])('rejects %s, naming %s', (_name, request, param) => {
    expect(() => convert(request)).toThrow(expect.objectContaining({ name: 'OpenAIRequestError', param }));
  });
});

describe('helpers', () => {
  it('parses data URLs and lists http(s) media', () => {
    expect(parseDataUrl('data:image/png;base64,AAAA')).toEqual({ mimeType: 'image/png', data: 'AAAA' });
    expect(parseDataUrl('data:text/plain,hello')).toBeUndefined();
    expect(
      mediaUrlsOf({
        model: 'm',
        messages: [
          user([
            { type: 'image_url', image_url: { url: 'https://a/x.png' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,A' } },
          ]),
        ],
      }),
    ).toEqual(['https://a/x.png']);
  });
});
