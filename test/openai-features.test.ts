import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { fakePng, fakeSpeechByteLength } from '../src/fake-upstream/fake-media.js';
import { fakeFunctionArgs, fakeThoughtSignature } from '../src/fake-upstream/fake-tools.js';
import { clientToken, type Stack, startStack, useStacks } from './helpers/start-stack.js';

const weatherSchema = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'City name' },
    unit: { anyOf: [{ type: 'string', enum: ['celsius', 'fahrenheit'] }, { type: 'null' }] },
    days: { type: 'integer' },
  },
  required: ['city'],
  additionalProperties: false,
};
const tools: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Current weather', parameters: weatherSchema },
  },
  {
    type: 'function',
    function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } },
  },
];

describe('OpenAI features through the official client', () => {
  let stack: Stack;
  let openai: OpenAI;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: 'k-a,k-b', ALLOW_PRIVATE_MEDIA_URLS: 'true' });
    openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());
  const geminiReceived = () => JSON.parse(stack.fake.lastRequest()?.body ?? '{}');

  it('calls tools in parallel and carries the results back with their names', async () => {
    const first = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Please call get_weather and call get_time' }],
      tools,
      tool_choice: 'auto',
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const calls = choice?.message.tool_calls ?? [];
    expect(
      calls.map(
        (call) => call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)],
      ),
    ).toEqual([
      ['get_weather', fakeFunctionArgs(weatherSchema)],
      ['get_time', { zone: 'value-zone' }],
    ]);
    expect(new Set(calls.map((call) => call.id)).size).toBe(2);
    // The full JSON Schema reached Gemini as written (anyOf and all).
    expect(geminiReceived().tools[0].functionDeclarations[0].parametersJsonSchema).toEqual(weatherSchema);

    const second = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      tools,
      messages: [
        { role: 'user', content: 'Please call get_weather and call get_time' },
        choice?.message as OpenAI.Chat.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: calls[0]?.id ?? '', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: calls[1]?.id ?? '', content: '10:00' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe(
      'Tool results: get_weather={"temp":21}; get_time={"result":"10:00"}',
    );
    expect(geminiReceived().contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: fakeFunctionArgs(weatherSchema) } },
          { functionCall: { name: 'get_time', args: { zone: 'value-zone' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { result: '10:00' } } },
        ],
      },
    ]);
  });

  it('keeps Gemini 3 thought signatures across turns, even when the client rebuilds the tool calls', async () => {
    const first = await openai.chat.completions.create({
      model: 'gemini-3-pro-preview',
      messages: [{ role: 'user', content: 'call get_weather' }],
      tools,
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    const rebuilt = {
      id: call.id,
      type: 'function' as const,
      function: { name: call.function.name, arguments: call.function.arguments },
    };
    const second = await openai.chat.completions.create({
      model: 'gemini-3-pro-preview',
      tools,
      messages: [
        { role: 'user', content: 'call get_weather' },
        { role: 'assistant', content: null, tool_calls: [rebuilt] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('Tool results: get_weather={"result":"sunny"}');
    expect(geminiReceived().contents[1].parts[0].thoughtSignature).toBe(fakeThoughtSignature('get_weather'));
  });

  it('streams tool calls the stream helper can assemble', async () => {
    const final = await openai.chat.completions
      .stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'call get_time' }], tools })
      .finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && [call.function.name, call.function.arguments]).toEqual([
      'get_time',
      '{"zone":"value-zone"}',
    ]);
  });

  it('passes json_schema through whole as responseJsonSchema', async () => {
    const schema = {
      type: 'object',
      properties: { a: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/b' }] } },
      $defs: { b: { type: 'number' } },
    };
    await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'thing', schema, strict: true } },
    });
    expect(geminiReceived().generationConfig).toMatchObject({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('returns thoughts as reasoning_content, never inside content', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'think first' }],
      reasoning_effort: 'high',
    });
    const message = completion.choices[0]?.message as { content: string; reasoning_content?: string };
    expect(message.content).toBe(fakeAnswerText('think first'));
    expect(message.reasoning_content).toMatch(/\S/);
    expect(message.content).not.toContain(message.reasoning_content);
    expect(geminiReceived().generationConfig.thinkingConfig).toEqual({
      thinkingBudget: 24576,
      includeThoughts: true,
    });
  });

  it('answers -search models with Google Search and appends the sources', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gemini-2.5-flash-search',
      messages: [{ role: 'user', content: 'news today' }],
    });
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(geminiReceived().tools).toEqual([{ googleSearch: {} }]);
    expect(completion.choices[0]?.message.content).toMatch(/\*\*Sources\*\*\n1\. \[.+\]\(https?:\/\/.+\)/);
  });

  it('fetches http(s) images and inlines them', async () => {
    const png = fakePng();
    const server: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(png);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cat.png`;
      await openai.chat.completions.create({
        model: 'gemini-2.5-flash',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is it?' },
              { type: 'image_url', image_url: { url } },
            ],
          },
        ],
      });
      expect(geminiReceived().contents[0].parts[1]).toEqual({
        inlineData: { mimeType: 'image/png', data: png.toString('base64') },
      });
    } finally {
      server.close();
    }
  });

  it('generates images with Imagen, as base64 or as a URL the gateway serves', async () => {
    const b64 = await openai.images.generate({
      model: 'imagen-4.0-generate-001',
      prompt: 'a cat',
      n: 2,
      response_format: 'b64_json',
    });
    expect(b64.data?.map((image) => image.b64_json)).toEqual([
      fakePng().toString('base64'),
      fakePng().toString('base64'),
    ]);
    expect(geminiReceived()).toEqual({ instances: [{ prompt: 'a cat' }], parameters: { sampleCount: 2 } });
    const url = await openai.images.generate({ prompt: 'a dog', response_format: 'url', size: '1792x1024' });
    const location = url.data?.[0]?.url ?? '';
    expect(location.startsWith(`${stack.url}/images/`)).toBe(true);
    const image = await fetch(location);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(fakePng());
  });

  it('generates images with a Gemini image model', async () => {
    const result = await openai.images.generate({
      model: 'gemini-2.5-flash-image',
      prompt: 'a bird',
      response_format: 'b64_json',
    });
    expect(result.data?.[0]?.b64_json).toBe(fakePng().toString('base64'));
    expect(geminiReceived().generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'] });
  });

  it('speaks: WAV and PCM from Gemini TTS, a clear 400 for a format OpenAI does not have', async () => {
    const wav = Buffer.from(
      await (
        await openai.audio.speech.create({
          model: 'tts-1',
          voice: 'alloy',
          input: 'Hello there',
          response_format: 'wav',
        })
      ).arrayBuffer(),
    );
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.length).toBe(44 + fakeSpeechByteLength('Hello there'));
    expect(geminiReceived().generationConfig.speechConfig).toEqual({
      voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } },
    });
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-flash-preview-tts:generateContent');
    const pcm = Buffer.from(
      await (
        await openai.audio.speech.create({
          model: 'tts-1',
          voice: 'Puck',
          input: 'Hi',
          response_format: 'pcm',
        })
      ).arrayBuffer(),
    );
    expect(pcm.length).toBe(fakeSpeechByteLength('Hi'));
    // mp3, opus, aac and flac are encoded by ffmpeg (test/openai-speech-formats.test.ts).
    await expect(
      openai.audio.speech.create({
        model: 'tts-1',
        voice: 'alloy',
        input: 'x',
        response_format: 'ogg' as 'opus',
      }),
    ).rejects.toMatchObject({
      status: 400,
      param: 'response_format',
    });
  });

  it('keeps Google’s status on errors: 429 with Retry-After, 503 as a server error', async () => {
    for (const key of ['k-a', 'k-b']) stack.fake.script(key, 'quota-minute');
    const limited = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(limited.status).toBe(429);
    // Google asked for 26 s; the pool rests each key that long plus up to a tenth of jitter, and
    // never tells a client to come back before a key is free.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(26);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(29);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    for (const key of ['k-a', 'k-b']) stack.fake.script(key, 'overloaded');
    await expect(
      openai.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 503,
      type: 'server_error',
    });
  });
});

describe('streaming variants and the passthrough', () => {
  const start = useStacks();

  it('fakes a stream: Gemini is called once, without streaming, behind keep-alives', async () => {
    const stack = await start(
      { FAKE_STREAM_ENABLED: 'true', FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: '0.1' },
      { slowMs: 350 },
    );
    stack.fake.script('ok-alpha-default-key', 'slow');
    const raw = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        stream: true,
        messages: [{ role: 'user', content: 'slowly' }],
      }),
    });
    const text = await raw.text();
    expect(text.match(/: keep-alive/g)?.length).toBeGreaterThanOrEqual(3);
    const chunks = text
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(
      fakeAnswerText('slowly'),
    );
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(stack.fake.requests.map((request) => request.url)).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent',
    ]);
  });

  it('paces streamed text in small pieces with the stream optimizer', async () => {
    const stack = await start({
      STREAM_OPTIMIZER_ENABLED: 'true',
      STREAM_MIN_DELAY: '0.001',
      STREAM_MAX_DELAY: '0.002',
    });
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      stream: true,
      messages: [{ role: 'user', content: 'pace me' }],
    });
    const pieces: string[] = [];
    for await (const chunk of stream)
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    expect(pieces.join('')).toBe(fakeAnswerText('pace me'));
    expect(pieces.length).toBeGreaterThan(20);
    expect(pieces.every((piece) => Array.from(piece).length <= 5)).toBe(true);
  });

  it('relays /openai/v1 to Google’s OpenAI-compatible endpoint with a pool key as Bearer', async () => {
    const stack = await start({ API_KEYS: 'invalid-x,k-b' });
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/openai/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'compat' }],
    });
    expect(completion.choices[0]?.message.content).toBe(fakeAnswerText('compat'));
    expect(stack.fake.requests.map((request) => [request.url, request.key, request.keySource])).toEqual([
      ['/v1beta/openai/chat/completions', 'invalid-x', 'bearer'],
      // The refusal is confirmed with a probe that spends no generation quota.
      ['/v1beta/models/gemini-2.5-flash-lite', 'invalid-x', 'header'],
      ['/v1beta/openai/chat/completions', 'k-b', 'bearer'],
    ]);
    const streamed = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      stream: true,
      messages: [{ role: 'user', content: 'compat' }],
    });
    let text = '';
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(fakeAnswerText('compat'));
  });
});

describe('OpenAI streams that break, and /v1/models for both APIs', () => {
  const start = useStacks();

  it('ends a stream cut mid-way with an error the client raises, without repeating text', async () => {
    const stack = await start({ API_KEYS: 'drop-1,k-b' });
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    // gemini-2.0-flash does not think: its first chunk is text.
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.0-flash',
      stream: true,
      messages: [{ role: 'user', content: 'cut' }],
    });
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    ).rejects.toThrow(/lost mid-stream/);
    expect(fakeAnswerText('cut').startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
    expect(stack.fake.requests.map((request) => request.key)).toEqual(['drop-1']);
  });

  it('answers GET /v1/models in Gemini’s shape to Gemini clients and OpenAI’s to OpenAI clients', async () => {
    const stack = await start();
    const genai = new GoogleGenAI({
      apiKey: clientToken,
      httpOptions: { baseUrl: stack.url, apiVersion: 'v1' },
    });
    const names: string[] = [];
    for await (const model of await genai.models.list()) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    expect(stack.fake.lastRequest()?.url.startsWith('/v1/models')).toBe(true);
    const openaiList = (await (
      await fetch(`${stack.url}/v1/models`, { headers: { authorization: `Bearer ${clientToken}` } })
    ).json()) as {
      object: string;
      data: { id: string }[];
    };
    expect(openaiList.object).toBe('list');
    expect(openaiList.data.map((model) => model.id)).toContain('gemini-2.5-flash');
  });
});

describe('more OpenAI options', () => {
  const start = useStacks();

  it('returns n choices and honours stop sequences', async () => {
    const stack = await start();
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gemini-2.0-flash',
      n: 2,
      stop: ['deterministic'],
      messages: [{ role: 'user', content: 'two please' }],
    });
    expect(
      completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason]),
    ).toEqual([
      [0, 'Echo: two please\nThis is a ', 'stop'],
      [1, '[1] Echo: two please\nThis is a ', 'stop'],
    ]);
    expect(JSON.parse(stack.fake.lastRequest()?.body ?? '{}').generationConfig).toEqual({
      candidateCount: 2,
      stopSequences: ['deterministic'],
    });
  });

  it('adds code execution when TOOLS_CODE_EXECUTION_ENABLED and shows code and output in the answer', async () => {
    const stack = await start({ TOOLS_CODE_EXECUTION_ENABLED: 'true', SHOW_THINKING_PROCESS: 'false' });
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'compute' }],
    });
    expect(completion.choices[0]?.message.content).toBe(
      `\n\`\`\`python\nprint("compute")\n\`\`\`\n\n\`\`\`\ncompute\n\n\`\`\`\n${fakeAnswerText('compute')}`,
    );
    expect(JSON.parse(stack.fake.lastRequest()?.body ?? '{}')).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'compute' }] }],
      tools: [{ codeExecution: {} }],
    });
  });
});
