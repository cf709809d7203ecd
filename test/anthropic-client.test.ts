import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countTokensResponse, fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { fakePng } from '../src/fake-upstream/fake-media.js';
import { fakeThoughtSignature } from '../src/fake-upstream/fake-tools.js';
import { clientToken, type Stack, startStack, useStacks } from './helpers/start-stack.js';

// The official `@anthropic-ai/sdk` client, pointed at the gateway, against the fake Gemini upstream.

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};

/** The text of a message's text blocks. */
const textOf = (message: Anthropic.Message) =>
  message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

describe('@anthropic-ai/sdk through the gateway', () => {
  let stack: Stack;
  let client: Anthropic;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: 'k-a,k-b', ALLOW_PRIVATE_MEDIA_URLS: 'true' });
    client = new Anthropic({ apiKey: clientToken, baseURL: stack.url, maxRetries: 0 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());

  const sent = () => JSON.parse(stack.fake.lastRequest()?.body ?? '{}');

  it('creates a message: a Claude name maps to Gemini, the answer echoes the name, no defaults are injected', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 1024,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      metadata: { user_id: 'someone' },
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: fakeAnswerText('Why is the sky blue?') }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    // gemini-2.5-pro thinks (16 tokens at the fake), and Anthropic counts thinking as output.
    expect(message.usage.output_tokens).toBeGreaterThan(16);
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(sent()).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 1024 },
    });
  });

  it('passes a Gemini name through, with system blocks, sampling settings and stop sequences', async () => {
    // This version of the SDK no longer types the sampling settings; older clients send them.
    const message = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 200,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Answer in English.' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['deterministic'],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    } as Anthropic.MessageCreateParamsNonStreaming);
    // The fake cuts its answer at the stop sequence, as Gemini does (and, like Gemini, says STOP).
    expect(textOf(message)).toBe(fakeAnswerText('hello').split('deterministic')[0]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.model).toBe('gemini-2.5-flash');
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent().systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }],
    });
    expect(sent().generationConfig).toEqual({
      maxOutputTokens: 200,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['deterministic'],
    });
  });

  it('reports a cut answer as max_tokens', async () => {
    const message = await client.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(message.stop_reason).toBe('max_tokens');
    expect(textOf(message)).toBe(fakeAnswerText('hello').slice(0, 12));
  });

  it('sends base64 images and PDFs inline, fetches image URLs, and reads text documents', async () => {
    const png = fakePng();
    const server: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(png);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cat.png`;
      const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
      const message = await client.messages.create({
        model: 'gemini-2.5-flash',
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'image',
                source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') },
              },
              { type: 'image', source: { type: 'url', url } },
              { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A note.' } },
              { type: 'text', text: 'What are these?' },
            ],
          },
        ],
      });
      expect(textOf(message)).toBe(fakeAnswerText('A note. What are these?'));
      expect(sent().contents[0].parts).toEqual([
        { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
        { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
        { inlineData: { mimeType: 'application/pdf', data: pdf } },
        { text: 'A note.' },
        { text: 'What are these?' },
      ]);
    } finally {
      server.close();
    }
  });

  it('streams with thinking and a tool call, then a tool_result round trip keeps Gemini 3’s signature', async () => {
    const stream = client.messages.stream({
      model: 'gemini-3-pro-preview',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Please call get_weather for Paris' }],
    });
    const seen: string[] = [];
    stream.on('streamEvent', (event) => seen.push(event.type));
    const first = await stream.finalMessage();
    expect(seen.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expect(seen.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(first.stop_reason).toBe('tool_use');
    const [thinking, toolUse] = first.content;
    expect(thinking).toMatchObject({
      type: 'thinking',
      thinking: expect.stringContaining('Reading the request'),
    });
    expect(toolUse).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'value-city', unit: 'celsius' },
    });
    expect(sent().generationConfig.thinkingConfig).toEqual({ includeThoughts: true });
    expect(sent().tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'The weather in a city',
            parametersJsonSchema: weatherTool.input_schema,
          },
        ],
      },
    ]);

    // The next turn sends the assistant's content back as the client got it, and the tool's answer.
    const id = (toolUse as Anthropic.ToolUseBlock).id;
    const second = await client.messages.create({
      model: 'gemini-3-pro-preview',
      max_tokens: 4096,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Please call get_weather for Paris' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: '{"temp":21}' }] },
          ],
        },
      ],
    });
    expect(textOf(second)).toBe('Tool results: get_weather={"temp":21}');
    const history = sent().contents;
    expect(history[1]).toEqual({
      role: 'model',
      parts: [
        {
          functionCall: { name: 'get_weather', args: { city: 'value-city', unit: 'celsius' } },
          thoughtSignature: fakeThoughtSignature('get_weather'),
        },
      ],
    });
    expect(history[2]).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }],
    });
  });

  it('answers the same message whole as the stream adds up to', async () => {
    const request = {
      model: 'gemini-2.5-flash',
      max_tokens: 1024,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      messages: [{ role: 'user' as const, content: 'Whole or streamed?' }],
    };
    const whole = await client.messages.create(request);
    const streamed = await client.messages.stream(request).finalMessage();
    // What the API says of a message; the stream helper adds fields of its own (parsed_output).
    const said = ({ type, role, model, content, stop_reason, stop_sequence, usage }: Anthropic.Message) => ({
      type,
      role,
      model,
      content,
      stop_reason,
      stop_sequence,
      usage,
    });
    expect(said(streamed)).toEqual(said(whole));
    expect(whole.content.map((block) => block.type)).toEqual(['thinking', 'text']);
  });

  it('counts tokens with the system prompt and the tools', async () => {
    const counted = await client.messages.countTokens({
      model: 'claude-3-5-haiku-20241022',
      system: 'Be brief.',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    const request = JSON.parse(stack.fake.lastRequest()?.body ?? '{}');
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(request.generateContentRequest).toMatchObject({
      model: 'models/gemini-2.5-flash',
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      tools: [{ functionDeclarations: [{ name: 'get_weather' }] }],
    });
    expect(counted).toEqual({ input_tokens: countTokensResponse(request).totalTokens });
  });

  it('refuses a bad token as authentication_error 401', async () => {
    const stranger = new Anthropic({ apiKey: 'not-a-token', baseURL: stack.url, maxRetries: 0 });
    const error = await stranger.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    expect(stack.fake.requests).toHaveLength(0);
  });

  it('accepts the token as a Bearer token too (Claude Code’s ANTHROPIC_AUTH_TOKEN)', async () => {
    const bearer = new Anthropic({ authToken: clientToken, apiKey: null, baseURL: stack.url, maxRetries: 0 });
    const message = await bearer.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(textOf(message)).toBe(fakeAnswerText('hi'));
  });

  it('refuses a malformed request as invalid_request_error 400, naming the field', async () => {
    const error = await client.messages
      .create({
        model: 'gemini-2.5-flash',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as {
      error: { type: string; message: string };
    };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^messages\.0\.content\.0\.source: /);
    expect(stack.fake.requests).toHaveLength(0);
  });
});

describe('the wire, as Claude Code speaks it', () => {
  const start = useStacks();
  const headers = {
    'x-api-key': clientToken,
    'content-type': 'application/json',
    'anthropic-version': '2023-06-01',
    'anthropic-beta': 'interleaved-thinking-2025-05-14',
  };

  it('streams the full event sequence, each event named for its type', async () => {
    const s = await start();
    const response = await fetch(`${s.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'Stream it' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text.endsWith('\n\n')).toBe(true);
    const events = text
      .trimEnd()
      .split('\n\n')
      .map((block) => {
        const [eventLine, dataLine, ...rest] = block.split('\n');
        expect(rest).toEqual([]);
        const data = JSON.parse(dataLine?.replace(/^data: /, '') ?? '') as {
          type: string;
          delta?: { type: string };
        };
        expect(eventLine).toBe(`event: ${data.type}`);
        return data;
      });
    const types = events.map((event) =>
      event.type === 'content_block_delta' ? event.delta?.type : event.type,
    );
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('ping');
    expect(types[2]).toBe('content_block_start');
    expect(types.slice(3, -3).every((type) => type === 'text_delta')).toBe(true);
    expect(types.slice(3, -3).length).toBeGreaterThan(1);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = events.filter((event) => event.type === 'content_block_delta') as unknown as {
      delta: { text: string };
    }[];
    expect(deltas.map((event) => event.delta.text).join('')).toBe(fakeAnswerText('Stream it'));
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: 'end_turn', stop_sequence: null } });
  });

  it('answers a body that is not JSON, and a missing token, in Anthropic’s shape', async () => {
    const s = await start();
    const broken = await fetch(`${s.url}/v1/messages`, { method: 'POST', headers, body: '{"model":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
    });
    const anonymous = await fetch(`${s.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(s.fake.requests).toHaveLength(0);
  });
});

describe('ANTHROPIC_MODEL_MAP', () => {
  const start = useStacks();

  it('is live: a saved map applies to the next request', async () => {
    const s = await start();
    const client = new Anthropic({ apiKey: clientToken, baseURL: s.url, maxRetries: 0 });
    const ask = () =>
      client.messages.create({
        model: 'claude-opus-4-1',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
    await ask();
    expect(s.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    const saved = await fetch(`${s.url}/api/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ values: { ANTHROPIC_MODEL_MAP: { 'claude-*': 'gemini-2.0-flash' } } }),
    });
    expect(saved.status).toBe(200);
    const message = await ask();
    expect(s.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(message.model).toBe('claude-opus-4-1');
  });
});

describe('the pool’s refusals in Anthropic’s terms', () => {
  const start = useStacks();

  it('a pool resting for its quota is rate_limit_error 429 with retry-after', async () => {
    const s = await start({ API_KEYS: 'quota-day-1' });
    const client = new Anthropic({ apiKey: clientToken, baseURL: s.url, maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'gemini-2.5-flash', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const limited = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThan(60);
    expect(limited.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('Google’s overloaded model is overloaded_error 529', async () => {
    const s = await start({ API_KEYS: 'overloaded-1', MAX_RETRIES: '1' });
    const response = await fetch(`${s.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': clientToken,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(529);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});
