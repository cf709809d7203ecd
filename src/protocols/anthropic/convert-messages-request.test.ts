import { describe, expect, it } from 'vitest';
import { resolveModel } from '../gemini/resolve-model.js';
import { RequestError } from '../request-error.js';
import type { AnthropicMessageParam, MessagesRequest } from './anthropic-types.js';
import { checkMessagesRequest } from './check-messages-request.js';
import { convertMessagesRequest, mediaUrlsOf } from './convert-messages-request.js';
import { createToolUseId } from './tool-use-id.js';

const lists = { searchModels: ['gemini-2.5-flash'], imageModels: [], thinkingModels: ['gemini-2.5-flash'] };
const options = (model: string, extra = {}) => ({
  choice: resolveModel(model, lists),
  thinkingBudgetMap: {},
  codeExecution: false,
  urlContext: false,
  safetySettings: [],
  media: new Map(),
  ...extra,
});
/** A request checked as the route checks it, then converted. */
const convert = (request: Record<string, unknown>, model = 'gemini-2.5-flash', extra = {}) =>
  convertMessagesRequest(
    checkMessagesRequest(
      { model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...request },
      true,
    ),
    options(model, extra),
  );
const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestError) return { message: error.message, param: error.param };
    throw error;
  }
  throw new Error('no RequestError');
};

const signature = Buffer.from('signature:get_weather').toString('base64');
const toolUseId = createToolUseId('abc', signature);
const askWeather: AnthropicMessageParam = { role: 'user', content: 'weather?' };
const callWeather = (id = toolUseId): AnthropicMessageParam => ({
  role: 'assistant',
  content: [
    { type: 'thinking', thinking: 'Let me look.', signature: 'c2lnbmVkIHRob3VnaHQ=' },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'text', text: 'Looking it up.' },
    { type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } },
  ],
});

describe('convertMessagesRequest', () => {
  it('maps a tool conversation, restoring signatures onto thoughts and calls', () => {
    const gemini = convert({
      messages: [
        askWeather,
        callWeather(),
        {
          role: 'user',
          content: [
            { type: 'text', text: '<reminder>' },
            { type: 'tool_result', tool_use_id: toolUseId, content: 'sunny' },
          ],
        },
      ],
    });
    expect(gemini.contents).toEqual([
      { role: 'user', parts: [{ text: 'weather?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Let me look.', thought: true, thoughtSignature: 'c2lnbmVkIHRob3VnaHQ=' },
          { text: 'Looking it up.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature },
        ],
      },
      {
        role: 'user',
        // A tool's answers come first in their turn, as Gemini reads them.
        parts: [
          { functionResponse: { name: 'get_weather', response: { result: 'sunny' } } },
          { text: '<reminder>' },
        ],
      },
    ]);
  });

  it('leaves out unsigned thoughts; Gemini 3 gets Google’s placeholder for a call that lost its signature', () => {
    const gemini = convert(
      {
        messages: [
          askWeather,
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Unsigned.', signature: '' },
              { type: 'tool_use', id: 'toolu_01FromAnthropic', name: 'get_weather', input: {} },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01FromAnthropic' }] },
        ],
      },
      'gemini-3-pro-preview',
    );
    expect(gemini.contents[1]).toEqual({
      role: 'model',
      parts: [
        {
          functionCall: { name: 'get_weather', args: {} },
          thoughtSignature: 'skip_thought_signature_validator',
        },
      ],
    });
    expect(gemini.contents[2]?.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { result: '' } } },
    ]);
  });

  it('a tool_result error is Gemini’s `error`; its images follow the answers; JSON objects are used as they are', () => {
    const gemini = convert({
      messages: [
        askWeather,
        callWeather(),
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: toolUseId,
              is_error: true,
              content: [
                { type: 'text', text: 'no such city' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              ],
            },
          ],
        },
      ],
    });
    expect(gemini.contents[2]?.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { error: 'no such city' } } },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
    const json = convert({
      messages: [
        askWeather,
        callWeather(),
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: '{"temp":21}' }] },
      ],
    });
    expect(json.contents[2]?.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
    ]);
  });

  it('joins consecutive messages of one role, and keeps system messages with the system prompt', () => {
    const gemini = convert({
      system: [{ type: 'text', text: 'one' }],
      messages: [
        { role: 'user', content: 'a' },
        { role: 'system', content: 'two' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'b' },
            { type: 'text', text: '' },
          ],
        },
        { role: 'assistant', content: 'c' },
      ],
    });
    expect(gemini.systemInstruction).toEqual({ parts: [{ text: 'one' }, { text: 'two' }] });
    expect(gemini.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }] },
    ]);
  });

  it('maps tools and tool_choice', () => {
    const tools = [
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', $defs: {} } },
    ];
    const declarations = [
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather', parametersJsonSchema: tools[0]?.input_schema },
        ],
      },
    ];
    expect(convert({ tools }).tools).toEqual(declarations);
    expect(convert({ tools }).toolConfig).toBeUndefined();
    expect(convert({ tools, tool_choice: { type: 'auto' } }).toolConfig).toEqual({
      functionCallingConfig: { mode: 'AUTO' },
    });
    expect(convert({ tools, tool_choice: { type: 'any' } }).toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY' },
    });
    expect(convert({ tools, tool_choice: { type: 'none' } }).toolConfig).toEqual({
      functionCallingConfig: { mode: 'NONE' },
    });
    expect(convert({ tools, tool_choice: { type: 'tool', name: 'get_weather' } }).toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
    expect(failure(() => convert({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }))).toEqual({
      message: expect.stringContaining("Anthropic's server tools"),
      param: 'tools.0.type',
    });
  });

  it('maps thinking to Gemini’s thinking configuration', () => {
    const thinkingOf = (request: Record<string, unknown>, model = 'gemini-2.5-pro', extra = {}) =>
      convert(request, model, extra).generationConfig?.thinkingConfig;
    expect(thinkingOf({ thinking: { type: 'enabled', budget_tokens: 2048 } })).toEqual({
      thinkingBudget: 2048,
      includeThoughts: true,
    });
    expect(thinkingOf({ thinking: { type: 'enabled', budget_tokens: 2048, display: 'omitted' } })).toEqual({
      thinkingBudget: 2048,
      includeThoughts: false,
    });
    expect(thinkingOf({ thinking: { type: 'disabled' } })).toEqual({ thinkingBudget: 0 });
    // Adaptive thinking is Gemini's dynamic thinking, sized by the effort when there is one.
    expect(thinkingOf({ thinking: { type: 'adaptive' } })).toEqual({ includeThoughts: true });
    expect(thinkingOf({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } })).toEqual({
      thinkingBudget: 1024,
      includeThoughts: true,
    });
    expect(
      thinkingOf(
        { thinking: { type: 'adaptive' }, output_config: { effort: 'high' } },
        'gemini-3-pro-preview',
      ),
    ).toEqual({
      thinkingLevel: 'high',
      includeThoughts: true,
    });
    // Said nothing: THINKING_BUDGET_MAP's budget, and no thoughts the client did not ask for.
    expect(thinkingOf({}, 'gemini-2.5-pro', { thinkingBudgetMap: { 'gemini-2.5-pro': 512 } })).toEqual({
      thinkingBudget: 512,
    });
    expect(thinkingOf({})).toBeUndefined();
    expect(thinkingOf({}, 'gemini-2.5-flash-non-thinking')).toEqual({ thinkingBudget: 0 });
  });

  it('adds what the settings add: search, safety settings', () => {
    const gemini = convert({}, 'gemini-2.5-flash-search', {
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    });
    expect(gemini.tools).toEqual([{ googleSearch: {} }]);
    expect(gemini.safetySettings).toEqual([
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
    ]);
  });

  it('reads documents and fetched URLs, and names the media URLs to fetch', () => {
    const request = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            {
              type: 'document',
              source: { type: 'content', content: [{ type: 'text', text: 'page one' }] },
            },
            { type: 'document', source: { type: 'url', url: 'https://example.com/doc.pdf' } },
          ],
        },
      ],
    };
    const checked = checkMessagesRequest({ model: 'm', max_tokens: 1, ...request }, true);
    expect(mediaUrlsOf(checked)).toEqual(['https://example.com/cat.png', 'https://example.com/doc.pdf']);
    const media = new Map([
      ['https://example.com/cat.png', { mimeType: 'image/png', data: 'AAAA' }],
      ['https://example.com/doc.pdf', { mimeType: 'application/pdf', data: 'BBBB' }],
    ]);
    expect(convert(request, 'gemini-2.5-flash', { media }).contents[0]?.parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
      { text: 'page one' },
      { inlineData: { mimeType: 'application/pdf', data: 'BBBB' } },
    ]);
  });

  it('refuses clearly what it cannot say to Gemini', () => {
    const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
    expect(
      failure(() => convert(user([{ type: 'image', source: { type: 'file', file_id: 'file_1' } }]))),
    ).toEqual({
      message: expect.stringContaining("Anthropic's Files API"),
      param: 'messages.0.content.0.source',
    });
    expect(
      failure(() => convert(user([{ type: 'image', source: { type: 'text', data: 'x' } }]))),
    ).toMatchObject({
      param: 'messages.0.content.0.source.type',
    });
    expect(failure(() => convert(user([{ type: 'tool_result', tool_use_id: 'toolu_unknown' }])))).toEqual({
      message: expect.stringContaining('no earlier assistant message'),
      param: 'messages.0.content.0.tool_use_id',
    });
    expect(failure(() => convert(user([{ type: 'server_tool_use', id: 'x' }])))).toMatchObject({
      param: 'messages.0.content.0.type',
    });
    expect(failure(() => convert({ messages: [{ role: 'tool', content: 'x' }] }))).toMatchObject({
      param: 'messages.0.role',
    });
    expect(failure(() => convert({ messages: [{ role: 'user', content: '' }] }))).toMatchObject({
      param: 'messages',
    });
  });

  it('injects no sampling defaults and ignores metadata', () => {
    const gemini = convert({ metadata: { user_id: 'u' } });
    expect(gemini).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generationConfig: { maxOutputTokens: 100 },
    });
  });
});

describe('checkMessagesRequest', () => {
  const check = (body: Record<string, unknown>, requireMaxTokens = true) =>
    failure(() =>
      checkMessagesRequest(
        { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }], ...body },
        requireMaxTokens,
      ),
    );

  it('names the first field of the wrong type', () => {
    expect(check({ messages: [{ role: 'user', content: 5 }] })).toMatchObject({
      param: 'messages.0.content',
    });
    expect(check({ messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] })).toMatchObject({
      param: 'messages.0.content.0.text',
    });
    expect(
      check({
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'x', content: [{ type: 'image', source: 'x' }] }],
          },
        ],
      }),
    ).toMatchObject({ param: 'messages.0.content.0.content.0.source' });
    expect(check({ tools: [{ name: 'x', input_schema: 'nope' }] })).toMatchObject({
      param: 'tools.0.input_schema',
    });
    expect(check({ tool_choice: { type: 'tool' } })).toMatchObject({ param: 'tool_choice.name' });
    expect(check({ tool_choice: { type: 'required' } })).toMatchObject({ param: 'tool_choice.type' });
    expect(check({ thinking: { type: 'enabled' } })).toMatchObject({ param: 'thinking.budget_tokens' });
    expect(check({ stop_sequences: ['a', 2] })).toMatchObject({ param: 'stop_sequences.1' });
    expect(check({ top_k: 1.5 })).toMatchObject({ param: 'top_k' });
    expect(check({ model: 3 })).toMatchObject({ param: 'model' });
  });

  it('requires max_tokens of a message, not of a token count', () => {
    expect(check({ max_tokens: undefined })).toEqual({
      message: 'max_tokens: Field required',
      param: 'max_tokens',
    });
    expect(check({ max_tokens: 0 })).toMatchObject({ param: 'max_tokens' });
    const counted = checkMessagesRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, false);
    expect(counted.max_tokens).toBeUndefined();
  });

  it('lets through what it has no use for', () => {
    const body = {
      model: 'm',
      max_tokens: 1,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ],
      metadata: { user_id: 5 },
      context_management: { edits: [] },
    };
    expect(checkMessagesRequest(body, true)).toBe(body as unknown as MessagesRequest);
  });
});
