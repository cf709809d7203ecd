import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnswerText, fakeEmbedding } from '../src/fake-upstream/fake-answers.js';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// The official `openai` client, pointed at the gateway's /v1, against the fake Gemini upstream.
describe('openai client through the gateway', () => {
  let stack: Stack;
  let openai: OpenAI;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: 'k-a,k-b' });
    openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());

  const lastGeminiBody = () => JSON.parse(stack.fake.lastRequest()?.body ?? '{}');

  it('completes a chat, keeping every system message and injecting no sampling defaults', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Answer in English.' },
        { role: 'user', content: 'Why is the sky blue?' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(fakeAnswerText('Why is the sky blue?'));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(16);
    const sent = lastGeminiBody();
    expect(sent.systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }],
    });
    expect(sent.generationConfig?.temperature).toBeUndefined();
    expect(sent.generationConfig?.topP).toBeUndefined();
    expect(sent.generationConfig?.topK).toBeUndefined();
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('streams a chat, consumed as an iterator', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Stream it' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(fakeAnswerText('Stream it'));
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(stack.fake.lastRequest()?.url).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
  });

  it('streams through the stream helper to a final completion', async () => {
    const runner = openai.chat.completions.stream({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Helper please' }],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(fakeAnswerText('Helper please'));
    expect(final.choices[0]?.finish_reason).toBe('stop');
  });

  it('lists models, with the derived -search entries', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toContain('gemini-2.5-flash');
    expect(ids).toContain('gemini-2.5-flash-search');
    expect(ids).not.toContain('gemini-pro-vision');
    expect((await openai.models.retrieve('gemini-2.5-pro')).id).toBe('gemini-2.5-pro');
  });

  it('embeds with the client’s default base64 encoding and with floats', async () => {
    const base64 = await openai.embeddings.create({
      model: 'text-embedding-004',
      input: ['alpha', 'beta'],
      dimensions: 8,
    });
    expect(base64.data.map((item) => item.embedding.map((value) => Math.round(value * 1e6) / 1e6))).toEqual(
      ['alpha', 'beta'].map((text) =>
        fakeEmbedding(text, 8).map((value) => Math.round(Math.fround(value) * 1e6) / 1e6),
      ),
    );
    const floats = await openai.embeddings.create({
      model: 'text-embedding-004',
      input: 'alpha',
      encoding_format: 'float',
    });
    expect(floats.data[0]?.embedding).toEqual(fakeEmbedding('alpha', 768));
    expect(lastGeminiBody()).toEqual({
      requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'alpha' }] } }],
    });
  });

  it('answers errors in OpenAI’s shape with the status kept', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${stack.url}/v1`, maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({
        model: 'gemini-2.5-flash',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    await expect(
      openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      message: expect.stringContaining('models/no-such-model is not found'),
    });
    await expect(
      openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [] }),
    ).rejects.toMatchObject({
      status: 400,
      param: 'messages',
    });
  });
});
