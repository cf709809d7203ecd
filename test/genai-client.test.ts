import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeAnswerText, fakeEmbedding } from '../src/fake-upstream/fake-answers.js';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// The official Gemini SDK, pointed at the gateway, against the fake upstream.
describe('@google/genai through the gateway', () => {
  let stack: Stack;
  let ai: GoogleGenAI;

  beforeAll(async () => {
    stack = await startStack();
    ai = new GoogleGenAI({ apiKey: clientToken, httpOptions: { baseUrl: stack.url } });
  });
  afterAll(() => stack.close());

  it('lists models across pages, without the filtered ones', async () => {
    const names: string[] = [];
    const pager = await ai.models.list({ config: { pageSize: 4 } });
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    expect(names).toContain('models/imagen-4.0-generate-001');
    // FILTERED_MODELS defaults hide these two, which the fake upstream does list.
    expect(names).not.toContain('models/gemini-pro-vision');
    expect(names).not.toContain('models/embedding-gecko-001');
    expect(new Set(names).size).toBe(names.length);
    const listCalls = stack.fake.requests.filter((request) => request.url.startsWith('/v1beta/models?'));
    expect(listCalls.length).toBeGreaterThan(1);
  });

  it('gets one model', async () => {
    const model = await ai.models.get({ model: 'gemini-2.5-pro' });
    expect(model.name).toBe('models/gemini-2.5-pro');
    expect(model.inputTokenLimit).toBe(1_048_576);
  });

  it('lists and gets the names derived from a model (SEARCH_MODELS), beside it', async () => {
    const names: string[] = [];
    for await (const model of await ai.models.list({ config: { pageSize: 50 } }))
      names.push(model.name ?? '');
    const at = names.indexOf('models/gemini-2.5-flash');
    expect(names[at + 1]).toBe('models/gemini-2.5-flash-search');
    expect(names).not.toContain('models/gemini-2.5-flash-non-thinking');
    const derived = await ai.models.get({ model: 'gemini-2.5-flash-search' });
    expect(derived).toMatchObject({ name: 'models/gemini-2.5-flash-search', inputTokenLimit: 1_048_576 });
    expect(derived.displayName).toMatch(/\(with Google Search\)$/);
    expect(stack.fake.lastRequest()?.url).toMatch(/^\/v1beta\/models\/gemini-2\.5-flash(\?|$)/);
  });

  it('generates content', async () => {
    const response = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Why is the sky blue?',
    });
    expect(response.text).toBe(fakeAnswerText('Why is the sky blue?'));
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(16);
  });

  it('streams content chunk by chunk', async () => {
    const stream = await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Tell me more',
    });
    const pieces: string[] = [];
    let finishReason: string | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.text ?? '');
      finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(fakeAnswerText('Tell me more'));
    expect(finishReason).toBe('STOP');
  });

  it('counts tokens', async () => {
    const result = await ai.models.countTokens({
      model: 'gemini-2.5-flash',
      contents: 'The quick brown fox jumps.',
    });
    expect(result.totalTokens).toBe(Math.ceil('The quick brown fox jumps.'.length / 4));
  });

  it('embeds content (the SDK calls batchEmbedContents)', async () => {
    const result = await ai.models.embedContent({
      model: 'gemini-embedding-001',
      contents: ['first text', 'second text'],
      config: { outputDimensionality: 8 },
    });
    expect(result.embeddings?.map((embedding) => embedding.values)).toEqual([
      fakeEmbedding('first text', 8),
      fakeEmbedding('second text', 8),
    ]);
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
  });

  it('surfaces an upstream 404 as the SDK error with Google’s message', async () => {
    await expect(ai.models.generateContent({ model: 'no-such-model', contents: 'hi' })).rejects.toMatchObject(
      {
        status: 404,
        message: expect.stringContaining('models/no-such-model is not found for API version v1beta'),
      },
    );
  });

  it('is refused with a wrong token', async () => {
    const stranger = new GoogleGenAI({ apiKey: 'wrong-token', httpOptions: { baseUrl: stack.url } });
    await expect(
      stranger.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }),
    ).rejects.toMatchObject({
      status: 403,
    });
  });
});
