import { describe, expect, it } from 'vitest';
import { adjustNativeRequest, type NativeFeatures } from './adjust-native-request.js';

const none: NativeFeatures = {
  searchModels: ['gemini-2.5-flash'],
  imageModels: ['gemini-2.0-flash'],
  thinkingModels: ['gemini-2.5-flash'],
  thinkingBudgetMap: {},
  showThinking: false,
  safetySettings: [],
  codeExecution: false,
  urlContextModels: [],
};
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const adjusted = (model: string, value: unknown, features: Partial<NativeFeatures> = {}) =>
  JSON.parse(String(adjustNativeRequest(model, body(value), { ...none, ...features }).body));
const base = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], futureField: { kept: true } };

describe('adjustNativeRequest', () => {
  it('leaves the client’s bytes untouched when no feature applies', () => {
    const bytes = Buffer.from('{ "contents": [ ] ,"x":1}');
    const result = adjustNativeRequest('gemini-2.5-pro', bytes, none);
    expect(result.body).toBe(bytes);
    expect(result.choice.model).toBe('gemini-2.5-pro');
  });

  it('adds Google Search for a -search model, keeping the client’s fields', () => {
    const result = adjustNativeRequest('gemini-2.5-flash-search', body(base), none);
    expect(result.choice.model).toBe('gemini-2.5-flash');
    expect(JSON.parse(String(result.body))).toEqual({ ...base, tools: [{ googleSearch: {} }] });
  });

  it('asks for images with -image and no thinking with -non-thinking', () => {
    expect(adjusted('gemini-2.0-flash-image', base).generationConfig).toEqual({
      responseModalities: ['TEXT', 'IMAGE'],
    });
    expect(adjusted('gemini-2.5-flash-non-thinking', base).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 0 },
    });
  });

  it('applies THINKING_BUDGET_MAP and SAFETY_SETTINGS only where the client set none', () => {
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    const features = { thinkingBudgetMap: { 'gemini-2.5-pro': 2048 }, safetySettings: safety };
    expect(adjusted('gemini-2.5-pro', base, features)).toMatchObject({
      safetySettings: safety,
      generationConfig: { thinkingConfig: { thinkingBudget: 2048 } },
    });
    const mine = {
      ...base,
      safetySettings: [],
      generationConfig: { thinkingConfig: { thinkingBudget: 5, includeThoughts: true } },
    };
    expect(adjusted('gemini-2.5-pro', mine, features)).toMatchObject({
      safetySettings: [],
      generationConfig: { thinkingConfig: { thinkingBudget: 5, includeThoughts: true } },
    });
  });

  it('shows a mapped model’s thoughts with SHOW_THINKING_PROCESS, unless the client chose or nothing is thought', () => {
    const features = {
      thinkingBudgetMap: { 'gemini-2.5-pro': 2048, 'gemini-2.5-flash': 0 },
      showThinking: true,
    };
    expect(adjusted('gemini-2.5-pro', base, features).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    });
    const hidden = { ...base, generationConfig: { thinkingConfig: { includeThoughts: false } } };
    expect(adjusted('gemini-2.5-pro', hidden, features).generationConfig.thinkingConfig).toEqual({
      thinkingBudget: 2048,
      includeThoughts: false,
    });
    expect(adjusted('gemini-2.5-flash', base, features).generationConfig.thinkingConfig).toEqual({
      thinkingBudget: 0,
    });
    expect(adjusted('gemini-2.5-flash-non-thinking', base, features).generationConfig.thinkingConfig).toEqual(
      {
        thinkingBudget: 0,
      },
    );
    expect(
      adjusted('gemini-2.5-pro', base, { ...features, showThinking: false }).generationConfig.thinkingConfig,
    ).toEqual({
      thinkingBudget: 2048,
    });
    // A model not in the map is not touched for it.
    const bytes = body(base);
    expect(adjustNativeRequest('gemini-2.0-flash-lite', bytes, { ...none, ...features }).body).toBe(bytes);
  });

  it('adds code execution unless the client declared functions, and URL context for listed models', () => {
    expect(adjusted('gemini-2.5-pro', base, { codeExecution: true }).tools).toEqual([{ codeExecution: {} }]);
    const withFunctions = { ...base, tools: [{ functionDeclarations: [{ name: 'f' }] }] };
    expect(adjusted('gemini-2.5-pro', withFunctions, { codeExecution: true }).tools).toEqual(
      withFunctions.tools,
    );
    expect(adjusted('gemini-2.5-pro', base, { urlContextModels: ['gemini-2.5-pro'] }).tools).toEqual([
      { urlContext: {} },
    ]);
  });

  it('refuses a body it has to rewrite that is not JSON or nests too deep, and keeps wrong types for Google to name', () => {
    const search = (text: string) => adjustNativeRequest('gemini-2.5-flash-search', Buffer.from(text), none);
    expect(search('{"contents": [}').problem).toContain('Invalid JSON payload');
    expect(search(`{"contents":${'['.repeat(300)}${']'.repeat(300)}}`).problem).toContain('nested deeper');
    expect(JSON.parse(String(search('{"contents":[],"tools":"x","generationConfig":5}').body))).toEqual({
      contents: [],
      tools: 'x',
      generationConfig: 5,
    });
    expect(
      JSON.parse(
        String(
          adjustNativeRequest(
            'gemini-2.5-flash-non-thinking',
            body({ generationConfig: { thinkingConfig: 1 } }),
            none,
          ).body,
        ),
      ),
    ).toEqual({ generationConfig: { thinkingConfig: 1 } });
  });

  it('reads THINKING_BUDGET_MAP as a map of its own entries only', () => {
    const bytes = body(base);
    expect(adjustNativeRequest('constructor', bytes, none).body).toBe(bytes);
  });
});
