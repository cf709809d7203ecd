import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { APICallError, generateText, type ModelMessage, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildAnswer, fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { fakeFunctionArgs, fakeThoughtSignature } from '../src/fake-upstream/fake-tools.js';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// Client libraries the README's "Use with your client" names, beyond the official SDKs tested
// elsewhere: the Vercel AI SDK (its Google provider, and its OpenAI provider, whose `openai()` is
// the Responses API) and LangChain's Google chat model, pointed at the gateway and the fake upstream.

const weatherInput = z.object({ city: z.string() });
const weatherSchema = z.toJSONSchema(weatherInput);
const weather = tool({
  description: 'Current weather',
  inputSchema: weatherInput,
  execute: async ({ city }) => ({ city, temp: 21 }),
});

describe('client libraries', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: 'ok-libraries-alpha-key,ok-libraries-bravo-key' });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());
  const received = () => {
    const last = stack.fake.lastRequest();
    return { url: last?.url, body: JSON.parse(last?.body ?? '{}') };
  };
  /** The thoughts the fake gives the request it last received, as the client should show them. */
  const expectedThoughts = (model: string) =>
    buildAnswer(model, received().body)
      .candidates[0]?.parts.filter((part) => part.thought)
      .map((part) => part.text)
      .join('');

  describe('the AI SDK’s Google provider', () => {
    const google = () => createGoogleGenerativeAI({ baseURL: `${stack.url}/v1beta`, apiKey: clientToken });

    it('answers generateText and streamText, thoughts included when asked for', async () => {
      const whole = await generateText({ model: google()('gemini-2.5-flash'), prompt: 'Hello' });
      expect(whole.text).toBe(fakeAnswerText('Hello'));
      expect(whole.usage.inputTokens).toBeGreaterThan(0);
      expect(received().url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');

      const streamed = streamText({
        model: google()('gemini-2.5-flash'),
        prompt: 'Hello again',
        providerOptions: { google: { thinkingConfig: { includeThoughts: true } } },
      });
      expect(await streamed.text).toBe(fakeAnswerText('Hello again'));
      expect(received().url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
      const thoughts = expectedThoughts('gemini-2.5-flash');
      expect(thoughts).not.toBe('');
      expect(await streamed.reasoningText).toBe(thoughts);
    });

    it('runs a tool round trip on Gemini 3, its thought signature sent back', async () => {
      const result = await generateText({
        model: google()('gemini-3-pro-preview'),
        prompt: 'Please call weather',
        tools: { weather },
        stopWhen: stepCountIs(2),
      });
      expect(result.steps[0]?.toolCalls.map((call) => [call.toolName, call.input])).toEqual([
        ['weather', fakeFunctionArgs(weatherSchema)],
      ]);
      expect(result.text).toMatch(/^Tool results: weather=.*"temp":21/);
      const [, model] = received().body.contents;
      // The SDK adds an id of its own to the call it sends back.
      expect(model.parts).toContainEqual({
        functionCall: expect.objectContaining({ name: 'weather', args: fakeFunctionArgs(weatherSchema) }),
        thoughtSignature: fakeThoughtSignature('weather'),
      });
    });
  });

  describe('the AI SDK’s OpenAI provider', () => {
    const openai = () => createOpenAI({ baseURL: `${stack.url}/v1`, apiKey: clientToken });
    const stateless = { openai: { store: false } };

    it('openai() speaks the Responses API: a conversation goes on with store: false', async () => {
      const messages: ModelMessage[] = [{ role: 'user', content: 'Hello' }];
      const first = await generateText({ model: openai()('gemini-2.5-flash'), messages });
      expect(first.text).toBe(fakeAnswerText('Hello'));
      expect(first.response.id).toMatch(/^resp_/);
      expect(received().url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      const history: ModelMessage[] = [
        ...messages,
        ...first.response.messages,
        { role: 'user', content: 'More' },
      ];

      // With the provider's default (store: true) the SDK sends the answer back as a reference to a
      // stored response: the gateway keeps none, and says what to do.
      const refused = await generateText({ model: openai()('gemini-2.5-flash'), messages: history }).catch(
        (error: unknown) => error,
      );
      expect(APICallError.isInstance(refused)).toBe(true);
      expect(refused).toMatchObject({ statusCode: 400, responseBody: expect.stringContaining('store') });

      const second = await generateText({
        model: openai()('gemini-2.5-flash'),
        messages: history,
        providerOptions: stateless,
      });
      expect(second.text).toBe(fakeAnswerText('More'));
      expect(received().body.contents.map((content: { role: string }) => content.role)).toEqual([
        'user',
        'model',
        'user',
      ]);
    });

    it('streams a tool round trip on Gemini 3 through the Responses API', async () => {
      const streamed = streamText({
        model: openai()('gemini-3-pro-preview'),
        prompt: 'Please call weather',
        tools: { weather },
        stopWhen: stepCountIs(2),
        providerOptions: stateless,
      });
      expect(await streamed.text).toBe('Tool results: weather={"city":"value-city","temp":21}');
      const steps = await streamed.steps;
      expect(steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
      const [, model] = received().body.contents;
      expect(model.parts).toContainEqual({
        functionCall: { name: 'weather', args: fakeFunctionArgs(weatherSchema) },
        thoughtSignature: fakeThoughtSignature('weather'),
      });
    });

    it('openai.chat() speaks chat completions', async () => {
      const streamed = streamText({ model: openai().chat('gemini-2.5-flash'), prompt: 'Hello chat' });
      expect(await streamed.text).toBe(fakeAnswerText('Hello chat'));
      expect((await streamed.usage).inputTokens).toBeGreaterThan(0);
      expect(received().url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    });
  });

  describe('LangChain’s ChatGoogleGenerativeAI', () => {
    const chat = (model: string) =>
      new ChatGoogleGenerativeAI({ model, apiKey: clientToken, baseUrl: stack.url });

    it('answers invoke and stream', async () => {
      const answer = await chat('gemini-2.5-flash').invoke('Hello');
      expect(answer.text).toBe(fakeAnswerText('Hello'));
      let streamed = '';
      for await (const chunk of await chat('gemini-2.5-flash').stream('Hello stream')) streamed += chunk.text;
      expect(streamed).toBe(fakeAnswerText('Hello stream'));
      expect(received().url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    });

    it('runs a tool round trip', async () => {
      const model = chat('gemini-2.5-flash').bindTools([
        { name: 'weather', description: 'Current weather', schema: weatherInput },
      ]);
      const question = { role: 'user', content: 'Please call weather' } as const;
      const call = await model.invoke([question]);
      expect(call.tool_calls?.map(({ name, args }) => [name, args])).toEqual([
        ['weather', fakeFunctionArgs(weatherSchema)],
      ]);
      const toolCallId = call.tool_calls?.[0]?.id ?? 'weather';
      const answer = await model.invoke([
        question,
        call,
        { role: 'tool', content: '{"temp":21}', tool_call_id: toolCallId },
      ]);
      expect(answer.text).toMatch(/^Tool results: weather=.*temp/);
      expect(received().body.contents.at(-1).parts[0].functionResponse.name).toBe('weather');
    });
  });
});
