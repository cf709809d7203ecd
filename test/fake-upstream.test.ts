import { inflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { fakeAnswerText, fakeEmbedding, fakeImageText } from '../src/fake-upstream/fake-answers.js';
import {
  crc32,
  fakePng,
  fakeSpeechByteLength,
  fakeSpeechPcm,
  speechMimeType,
} from '../src/fake-upstream/fake-media.js';
import { fakeModels } from '../src/fake-upstream/fake-models.js';
import { openAiModelCreated } from '../src/fake-upstream/fake-openai.js';
import { fakeFunctionArgs, fakeThoughtSignature } from '../src/fake-upstream/fake-tools.js';

// The fake upstream's richer Gemini behaviours, driven with raw HTTP as the gateway drives them.

type Part = Record<string, unknown> & { text?: string; inlineData?: { mimeType: string; data: string } };
interface Candidate {
  content?: { parts?: Part[]; role: string };
  finishReason?: string;
  index?: number;
  [field: string]: unknown;
}
interface GenerateBody {
  candidates?: Candidate[];
  promptFeedback?: unknown;
  usageMetadata: Record<string, unknown>;
  modelVersion: string;
  responseId: string;
}
interface ErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

let fake: FakeUpstream;

beforeAll(async () => {
  fake = await createFakeUpstream();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function userText(text: string, extra: Record<string, unknown> = {}) {
  return { contents: [{ role: 'user', parts: [{ text }] }], ...extra };
}

async function call(
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-goog-api-key': 'ok-t' },
) {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function generate(model: string, body: unknown, version = 'v1beta') {
  const response = await call(`/${version}/models/${model}:generateContent`, body);
  return { status: response.status, body: (await response.json()) as GenerateBody & ErrorBody };
}

async function stream(model: string, body: unknown): Promise<GenerateBody[]> {
  const response = await call(`/v1beta/models/${model}:streamGenerateContent?alt=sse`, body);
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\r\n\r\n')
    .filter((event) => event !== '')
    .map((event) => JSON.parse(event.replace(/^data: /, '')) as GenerateBody);
}

const partsOf = (candidate: Candidate | undefined) => candidate?.content?.parts ?? [];

describe('structured output', () => {
  it('answers JSON of the response schema, under either name, or the answer as JSON without one', async () => {
    const schema = { type: 'OBJECT', properties: { city: { type: 'STRING' }, size: { type: 'INTEGER' } } };
    const asked = (generationConfig: Record<string, unknown>) =>
      generate('gemini-2.5-flash', userText('Describe Paris', { generationConfig }));
    const textOf = async (generationConfig: Record<string, unknown>) =>
      partsOf((await asked(generationConfig)).body.candidates?.[0])[0]?.text;
    const shaped = { city: 'value-city', size: 42 };
    expect(
      JSON.parse((await textOf({ responseMimeType: 'application/json', responseSchema: schema })) ?? ''),
    ).toEqual(shaped);
    expect(
      JSON.parse(
        (await textOf({ response_mime_type: 'application/json', response_json_schema: schema })) ?? '',
      ),
    ).toEqual(shaped);
    expect(
      JSON.parse(
        (await textOf({ responseMimeType: 'application/json', responseJsonSchema: { type: 'array' } })) ?? '',
      ),
    ).toEqual([]);
    expect(JSON.parse((await textOf({ responseMimeType: 'application/json' })) ?? '')).toEqual({
      answer: fakeAnswerText('Describe Paris'),
    });
    expect(await textOf({ responseSchema: schema })).toBe(fakeAnswerText('Describe Paris'));
  });
});

describe('function calling', () => {
  const divide = {
    name: 'customDivide',
    description: 'Custom divide function',
    parameters: {
      type: 'OBJECT',
      properties: { numerator: { type: 'NUMBER' }, denominator: { type: 'NUMBER' } },
    },
  };
  const concat = {
    name: 'concatStrings',
    parametersJsonSchema: {
      type: 'object',
      properties: { first: { type: 'string' }, second: { type: 'string' } },
      required: ['first', 'second'],
    },
  };
  const tools = [{ functionDeclarations: [divide, concat] }];

  it('builds args from a schema, JSON Schema or OpenAPI, one value per listed property', () => {
    expect(
      fakeFunctionArgs({
        type: 'object',
        properties: {
          s: { type: 'string' },
          n: { type: 'NUMBER' },
          i: { type: ['integer', 'null'] },
          b: { type: 'BOOLEAN' },
          a: { type: 'array', items: { type: 'string' } },
          o: { type: 'OBJECT', properties: { x: { type: 'STRING' } } },
          e: { type: 'STRING', enum: ['celsius', 'fahrenheit'] },
          u: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
        },
      }),
    ).toEqual({ s: 'value-s', n: 42, i: 42, b: true, a: [], o: {}, e: 'celsius', u: true });
    expect(fakeFunctionArgs(undefined)).toEqual({});
    expect(fakeThoughtSignature('customDivide')).toBe(
      Buffer.from('signature:customDivide').toString('base64'),
    );
  });

  it('in mode ANY calls the first allowed function, whole, with no id', async () => {
    const { status, body } = await generate(
      'gemini-2.5-flash',
      userText('put hello and world together', {
        tools,
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['concatStrings'] } },
      }),
    );
    expect(status).toBe(200);
    expect(body.candidates).toEqual([
      {
        content: {
          parts: [
            {
              functionCall: { name: 'concatStrings', args: { first: 'value-first', second: 'value-second' } },
            },
          ],
          role: 'model',
        },
        finishReason: 'STOP',
        index: 0,
      },
    ]);
  });

  it('in mode ANY without allowed names calls the first declared one; snake_case fields work too', async () => {
    const { body } = await generate(
      'gemini-2.0-flash',
      userText('divide something', {
        tools: [{ function_declarations: [divide, concat] }],
        tool_config: { function_calling_config: { mode: 'ANY' } },
      }),
    );
    expect(partsOf(body.candidates?.[0])).toEqual([
      { functionCall: { name: 'customDivide', args: { numerator: 42, denominator: 42 } } },
    ]);
  });

  it('calls every function the prompt names as `call <name>`, in the order named (parallel calls)', async () => {
    const { body } = await generate(
      'gemini-2.0-flash',
      userText('First call concatStrings, then call customDivide please', { tools }),
    );
    expect(partsOf(body.candidates?.[0])).toEqual([
      { functionCall: { name: 'concatStrings', args: { first: 'value-first', second: 'value-second' } } },
      { functionCall: { name: 'customDivide', args: { numerator: 42, denominator: 42 } } },
    ]);
    expect(body.candidates?.[0]?.finishReason).toBe('STOP');
    expect(body.usageMetadata.candidatesTokenCount).toBeGreaterThan(0);
  });

  it('answers with text in mode NONE, and in mode AUTO when no function is named', async () => {
    const none = await generate(
      'gemini-2.0-flash',
      userText('call customDivide', { tools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } }),
    );
    expect(partsOf(none.body.candidates?.[0])).toEqual([{ text: fakeAnswerText('call customDivide') }]);
    const auto = await generate('gemini-2.0-flash', userText('recall customDivide', { tools }));
    expect(partsOf(auto.body.candidates?.[0])).toEqual([{ text: fakeAnswerText('recall customDivide') }]);
  });

  it('signs the first call of a Gemini 3 step only, as Google does with parallel calls', async () => {
    const { body } = await generate(
      'gemini-3-pro-preview',
      userText('call customDivide and call concatStrings', { tools }),
    );
    expect(partsOf(body.candidates?.[0])).toEqual([
      {
        functionCall: { name: 'customDivide', args: { numerator: 42, denominator: 42 } },
        thoughtSignature: fakeThoughtSignature('customDivide'),
      },
      { functionCall: { name: 'concatStrings', args: { first: 'value-first', second: 'value-second' } } },
    ]);
  });

  it('streams function calls whole in one chunk', async () => {
    const events = await stream(
      'gemini-2.0-flash',
      userText('call customDivide, call concatStrings', { tools }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.candidates?.[0]).toEqual({
      content: {
        parts: [
          { functionCall: { name: 'customDivide', args: { numerator: 42, denominator: 42 } } },
          { functionCall: { name: 'concatStrings', args: { first: 'value-first', second: 'value-second' } } },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    });
  });
});

describe('function results', () => {
  const tools = [
    { functionDeclarations: [{ name: 'lookup', parameters: { type: 'OBJECT', properties: {} } }] },
  ];
  const callTurn = (signature?: string) => ({
    role: 'model',
    parts: [
      { functionCall: { name: 'lookup', args: {} }, ...(signature ? { thoughtSignature: signature } : {}) },
    ],
  });
  const resultTurn = {
    role: 'user',
    parts: [
      { functionResponse: { name: 'lookup', response: { output: 42 } } },
      { functionResponse: { name: 'weather', response: { sky: 'blue', temp: [1, 2] } } },
    ],
  };

  it('answers the last turn of function responses with their results, in order', async () => {
    const { body } = await generate('gemini-2.0-flash', {
      contents: [{ role: 'user', parts: [{ text: 'call lookup' }] }, callTurn(), resultTurn],
      tools,
    });
    expect(partsOf(body.candidates?.[0])).toEqual([
      { text: 'Tool results: lookup={"output":42}; weather={"sky":"blue","temp":[1,2]}' },
    ]);
    expect(body.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('refuses a Gemini 3 turn whose function call lost its thought signature', async () => {
    const { status, body } = await generate('gemini-3-pro-preview', {
      contents: [{ role: 'user', parts: [{ text: 'call lookup' }] }, callTurn(), resultTurn],
      tools,
    });
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message:
          'Function call is missing a thought_signature in functionCall parts. This is required for tools to work ' +
          'correctly, and missing thought_signature may lead to degraded model performance. Additional data, ' +
          'function call `default_api:lookup` , position 1. Please refer to ' +
          'https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
      },
    });
  });

  it('accepts the Gemini 3 turn with its signature, and does not check turns before the current one', async () => {
    const signed = await generate('gemini-3-pro-preview', {
      contents: [
        { role: 'user', parts: [{ text: 'call lookup' }] },
        callTurn(fakeThoughtSignature('lookup')),
        resultTurn,
      ],
      tools,
    });
    expect(signed.status).toBe(200);
    expect(partsOf(signed.body.candidates?.[0]).at(-1)?.text).toMatch(/^Tool results: lookup=/);

    const olderTurn = await generate('gemini-3-pro-preview', {
      contents: [
        { role: 'user', parts: [{ text: 'call lookup' }] },
        callTurn(),
        resultTurn,
        { role: 'model', parts: [{ text: 'Done.' }] },
        { role: 'user', parts: [{ text: 'thanks' }] },
      ],
      tools,
    });
    expect(olderTurn.status).toBe(200);
  });

  it('lets Gemini 2.5 take an unsigned function call', async () => {
    const { status } = await generate('gemini-2.5-flash', {
      contents: [{ role: 'user', parts: [{ text: 'call lookup' }] }, callTurn(), resultTurn],
      tools,
    });
    expect(status).toBe(200);
  });
});

describe('image output', () => {
  it('makes a valid, fixed 2×2 RGB PNG', () => {
    const png = fakePng();
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const chunks: { type: string; data: Buffer }[] = [];
    for (let offset = 8; offset < png.length; ) {
      const length = png.readUInt32BE(offset);
      const typeAndData = png.subarray(offset + 4, offset + 8 + length);
      expect(png.readUInt32BE(offset + 8 + length)).toBe(zlibCrc32(typeAndData));
      chunks.push({ type: typeAndData.subarray(0, 4).toString('latin1'), data: typeAndData.subarray(4) });
      offset += 12 + length;
    }
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks[0]?.data).toEqual(Buffer.from([0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]));
    expect(inflateSync(chunks[1]?.data ?? Buffer.alloc(0))).toEqual(
      Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]),
    );
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it.each([
    ['responseModalities IMAGE in any case', 'gemini-2.5-flash', { responseModalities: ['text', 'Image'] }],
    ['an -image model', 'gemini-2.5-flash-image', {}],
  ])('answers with text then the PNG for %s', async (_label, model, generationConfig) => {
    const { body } = await generate(model, userText('draw a cat', { generationConfig }));
    expect(partsOf(body.candidates?.[0])).toEqual([
      { text: 'Here is the image you asked for.' },
      { inlineData: { mimeType: 'image/png', data: fakePng().toString('base64') } },
    ]);
    expect(body.usageMetadata.candidatesTokensDetails).toEqual([{ modality: 'IMAGE', tokenCount: 1290 }]);
    expect(body.usageMetadata.candidatesTokenCount).toBe(Math.ceil(fakeImageText.length / 4) + 1290);
  });

  it('streams the image in a chunk of its own, then the finish reason in a chunk without parts', async () => {
    const events = await stream('gemini-2.5-flash-image', userText('draw'));
    const candidates = events.map((event) => event.candidates?.[0]);
    const imageAt = candidates.findIndex((candidate) => partsOf(candidate)[0]?.inlineData);
    expect(partsOf(candidates[imageAt])).toEqual([
      { inlineData: { mimeType: 'image/png', data: fakePng().toString('base64') } },
    ]);
    expect(
      candidates
        .slice(0, imageAt)
        .map((candidate) => partsOf(candidate)[0]?.text)
        .join(''),
    ).toBe(fakeImageText);
    expect(candidates.slice(imageAt + 1)).toEqual([
      { content: { role: 'model' }, finishReason: 'STOP', index: 0 },
    ]);
  });

  it('gives the same bytes for the same request, apart from responseId', async () => {
    const texts = await Promise.all(
      [1, 2].map(async () => {
        const response = await call(
          '/v1beta/models/gemini-2.5-flash-image:generateContent',
          userText('same'),
        );
        return (await response.text()).replace(/"responseId":"[^"]+"/, '');
      }),
    );
    expect(texts[0]).toBe(texts[1]);
  });
});

describe('text to speech', () => {
  const speech = (text: string, voiceName?: string, modalities: string[] = ['AUDIO']) =>
    userText(text, {
      generationConfig: {
        responseModalities: modalities,
        ...(voiceName ? { speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName } } } } : {}),
      },
    });

  it('speaks raw 24 kHz s16le PCM, 20 ms per character', async () => {
    const { status, body } = await generate('gemini-2.5-flash-preview-tts', speech('Say hello', 'Kore'));
    expect(status).toBe(200);
    const parts = partsOf(body.candidates?.[0]);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.inlineData?.mimeType).toBe('audio/L16;codec=pcm;rate=24000');
    expect(speechMimeType).toBe('audio/L16;codec=pcm;rate=24000');
    const pcm = Buffer.from(parts[0]?.inlineData?.data ?? '', 'base64');
    expect(pcm.length).toBe(9 * 20 * 48);
    expect(fakeSpeechByteLength('Say hello')).toBe(pcm.length);
    expect(pcm).toEqual(fakeSpeechPcm('Say hello'));
    expect(pcm.readInt16LE(0)).toBe(0);
    expect(
      new Set(Array.from({ length: pcm.length / 2 }, (_, i) => pcm.readInt16LE(i * 2))).size,
    ).toBeGreaterThan(10);
    // 180 ms of audio at 32 tokens per second.
    expect(body.usageMetadata.candidatesTokensDetails).toEqual([{ modality: 'AUDIO', tokenCount: 6 }]);
  });

  it('stops at 3 seconds, and takes voices in any case', async () => {
    expect(fakeSpeechByteLength('x'.repeat(1000))).toBe(3 * 24_000 * 2);
    const { status } = await generate('gemini-2.5-flash-preview-tts', speech('hi', 'puck'));
    expect(status).toBe(200);
  });

  it('refuses a voice that is not one of Google’s prebuilt voices', async () => {
    const { status, body } = await generate('gemini-2.5-flash-preview-tts', speech('hi', 'Robotron'));
    expect(status).toBe(400);
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(
      /^Voice name Robotron is not supported\. Allowed voice names are: achernar, /,
    );
  });

  it('refuses a speech model asked for text, and a text model asked for audio', async () => {
    const text = await generate('gemini-2.5-flash-preview-tts', userText('hi'));
    expect(text.status).toBe(400);
    expect(text.body.error).toEqual({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message:
        'The requested combination of response modalities (TEXT) is not supported by the model models/gemini-2.5-flash-preview-tts.',
    });
    const audio = await generate('gemini-2.5-flash', speech('hi'));
    expect(audio.status).toBe(400);
    expect(audio.body.error.message).toBe(
      'The requested combination of response modalities (AUDIO) is not supported by the model models/gemini-2.5-flash.',
    );
  });
});

describe('Imagen predict', () => {
  const predict = (body: unknown, key = 'ok-t') =>
    call('/v1beta/models/imagen-4.0-generate-001:predict', body, { 'x-goog-api-key': key });

  it('answers sampleCount PNGs', async () => {
    const response = await predict({ instances: [{ prompt: 'a robot' }], parameters: { sampleCount: 3 } });
    expect(response.status).toBe(200);
    const image = fakePng().toString('base64');
    expect(await response.json()).toEqual({
      predictions: Array.from({ length: 3 }, () => ({ bytesBase64Encoded: image, mimeType: 'image/png' })),
    });
  });

  it('makes 4 images when not told how many, as Imagen does', async () => {
    const response = await predict({ instances: [{ prompt: 'a robot' }] });
    expect(((await response.json()) as { predictions: unknown[] }).predictions).toHaveLength(4);
  });

  it.each([
    [{ instances: [{ prompt: 'x' }], parameters: { sampleCount: 5 } }],
    [{ instances: [{ prompt: 'x' }], parameters: { sampleCount: 0 } }],
    [{ instances: [{ prompt: '' }] }],
    [{ instances: [] }],
    [{ parameters: { sampleCount: 1 } }],
  ])('refuses %j with 400 INVALID_ARGUMENT', async (body) => {
    const response = await predict(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
  });

  it('applies key behaviours and refuses Imagen on generateContent', async () => {
    const limited = await predict({ instances: [{ prompt: 'x' }] }, 'quota-minute-i');
    expect(limited.status).toBe(429);
    const wrongMethod = await generate('imagen-4.0-generate-001', userText('x'));
    expect(wrongMethod.status).toBe(404);
  });
});

describe('built-in tools', () => {
  it('grounds with Google Search: queries, two results, supports per line in UTF-8 bytes, entry point', async () => {
    const prompt = 'Qui a gagné ?';
    const { body } = await generate('gemini-2.5-flash', userText(prompt, { tools: [{ googleSearch: {} }] }));
    const text = fakeAnswerText(prompt);
    const [first = '', second = ''] = text.split('\n');
    expect(partsOf(body.candidates?.[0]).at(-1)).toEqual({ text });
    expect(body.candidates?.[0]?.groundingMetadata).toEqual({
      searchEntryPoint: {
        renderedContent:
          '<div class="container"><a class="chip" href="https://www.google.com/search?q=Qui%20a%20gagn%C3%A9%20%3F">Qui a gagné ?</a></div>',
      },
      groundingChunks: [
        { web: { uri: 'https://example.com/qui-a-gagn', title: 'example.com' } },
        { web: { uri: 'https://example.org/qui-a-gagn', title: 'example.org' } },
      ],
      groundingSupports: [
        { segment: { endIndex: 20, text: first }, groundingChunkIndices: [0] },
        {
          segment: { startIndex: 21, endIndex: 21 + second.length, text: second },
          groundingChunkIndices: [1],
        },
      ],
      webSearchQueries: [prompt],
    });
  });

  it('puts grounding on the last stream chunk only (google_search spelling)', async () => {
    const events = await stream('gemini-2.5-flash', userText('news', { tools: [{ google_search: {} }] }));
    expect(events.length).toBeGreaterThan(1);
    const grounded = events.map((event) => event.candidates?.[0]?.groundingMetadata !== undefined);
    expect(grounded).toEqual([...Array(events.length - 1).fill(false), true]);
  });

  it('runs code: executableCode, codeExecutionResult, then the text', async () => {
    const { body } = await generate(
      'gemini-2.0-flash',
      userText('sum 2 and 2', { tools: [{ codeExecution: {} }] }),
    );
    expect(partsOf(body.candidates?.[0])).toEqual([
      { executableCode: { language: 'PYTHON', code: 'print("sum 2 and 2")' } },
      { codeExecutionResult: { outcome: 'OUTCOME_OK', output: 'sum 2 and 2\n' } },
      { text: fakeAnswerText('sum 2 and 2') },
    ]);
    const events = await stream('gemini-2.0-flash', userText('sum', { tools: [{ codeExecution: {} }] }));
    expect(events.slice(0, 2).map((event) => Object.keys(partsOf(event.candidates?.[0])[0] ?? {}))).toEqual([
      ['executableCode'],
      ['codeExecutionResult'],
    ]);
  });

  it('reports every distinct http(s) URL of the prompt as retrieved', async () => {
    const prompt =
      'Compare https://a.example/one, http://b.example/two. Again https://a.example/one; ftp://c.example';
    const { body } = await generate('gemini-2.5-flash', userText(prompt, { tools: [{ urlContext: {} }] }));
    expect(body.candidates?.[0]?.urlContextMetadata).toEqual({
      urlMetadata: [
        { retrievedUrl: 'https://a.example/one', urlRetrievalStatus: 'URL_RETRIEVAL_STATUS_SUCCESS' },
        { retrievedUrl: 'http://b.example/two', urlRetrievalStatus: 'URL_RETRIEVAL_STATUS_SUCCESS' },
      ],
    });
  });
});

describe('safety', () => {
  it('accepts every valid category and threshold', async () => {
    const { status } = await generate(
      'gemini-2.5-flash',
      userText('hi', {
        safetySettings: [
          { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
          { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_LOW_AND_ABOVE' },
          { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', threshold: 'BLOCK_MEDIUM_AND_ABOVE' },
          { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' },
          { category: 'HARM_CATEGORY_CIVIC_INTEGRITY', threshold: 'OFF' },
          { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'HARM_BLOCK_THRESHOLD_UNSPECIFIED' },
        ],
      }),
    );
    expect(status).toBe(200);
  });

  it('refuses an unknown category as Google does', async () => {
    const { status, body } = await generate(
      'gemini-2.5-flash',
      userText('hi', { safetySettings: [{ category: 'HARM_CATEGORY_GORE', threshold: 'BLOCK_NONE' }] }),
    );
    expect(status).toBe(400);
    const message =
      'Invalid value at \'safety_settings[0].category\' (type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), "HARM_CATEGORY_GORE"';
    expect(body.error).toEqual({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [{ field: 'safety_settings[0].category', description: message }],
        },
      ],
    });
  });

  it('refuses an unknown threshold, naming the API version (safety_settings spelling)', async () => {
    const { status, body } = await generate(
      'gemini-2.5-flash',
      userText('hi', {
        safety_settings: [
          { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
          { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_SOME' },
        ],
      }),
      'v1',
    );
    expect(status).toBe(400);
    expect(body.error.message).toBe(
      'Invalid value at \'safety_settings[1].threshold\' (type.googleapis.com/google.ai.generativelanguage.v1.SafetySetting.HarmBlockThreshold), "BLOCK_SOME"',
    );
  });

  const blockedRatings = [
    { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
    { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
    { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
    { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
  ];

  it('blocks an answer on a forbidden topic: finish SAFETY, no content, ratings', async () => {
    const { status, body } = await generate('gemini-2.0-flash', userText('tell me about forbidden-topic'));
    expect(status).toBe(200);
    expect(body.candidates).toEqual([{ finishReason: 'SAFETY', index: 0, safetyRatings: blockedRatings }]);
    const events = await stream('gemini-2.0-flash', userText('forbidden-topic'));
    expect(events.map((event) => event.candidates)).toEqual([
      [{ finishReason: 'SAFETY', index: 0, safetyRatings: blockedRatings }],
    ]);
  });

  it('blocks a prompt: no candidates, promptFeedback', async () => {
    const { status, body } = await generate('gemini-2.0-flash', userText('a blocked-prompt here'));
    expect(status).toBe(200);
    expect(body).toEqual({
      promptFeedback: { blockReason: 'SAFETY', safetyRatings: blockedRatings },
      usageMetadata: {
        promptTokenCount: 6,
        candidatesTokenCount: 0,
        totalTokenCount: 6,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 6 }],
      },
      modelVersion: 'gemini-2.0-flash',
      responseId: expect.any(String),
    });
  });
});

describe('stops, limits and candidates', () => {
  it('cuts the text before the earliest stop sequence, finish STOP', async () => {
    const { body } = await generate(
      'gemini-2.0-flash',
      userText('hi', { generationConfig: { stopSequences: ['fake', 'answer', 'absent'] } }),
    );
    expect(body.candidates?.[0]).toEqual({
      content: { parts: [{ text: 'Echo: hi\nThis is a deterministic ' }], role: 'model' },
      finishReason: 'STOP',
      index: 0,
    });
  });

  it('still truncates at maxOutputTokens with MAX_TOKENS', async () => {
    const { body } = await generate(
      'gemini-2.0-flash',
      userText('hi', { generationConfig: { maxOutputTokens: 3 } }),
    );
    expect(body.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
    expect(partsOf(body.candidates?.[0])).toEqual([{ text: 'Echo: hi\nThi' }]);
  });

  it('answers candidateCount candidates, each told apart by a prefix', async () => {
    const { body } = await generate(
      'gemini-2.0-flash',
      userText('hi', { generationConfig: { candidateCount: 3 } }),
    );
    const text = fakeAnswerText('hi');
    expect(body.candidates?.map((candidate) => [candidate.index, partsOf(candidate)[0]?.text])).toEqual([
      [0, text],
      [1, `[1] ${text}`],
      [2, `[2] ${text}`],
    ]);
    expect(body.usageMetadata.candidatesTokenCount).toBe(
      Math.ceil(text.length / 4) + 2 * Math.ceil((text.length + 4) / 4),
    );
  });

  it('streams every candidate in every chunk', async () => {
    const events = await stream(
      'gemini-2.0-flash',
      userText('hello there', { generationConfig: { candidateCount: 2 } }),
    );
    expect(
      events.every((event) => event.candidates?.map((candidate) => candidate.index).join() === '0,1'),
    ).toBe(true);
    const joined = [0, 1].map((index) =>
      events.map((event) => partsOf(event.candidates?.[index]).map((part) => part.text ?? '')).join(''),
    );
    expect(joined).toEqual([fakeAnswerText('hello there'), `[1] ${fakeAnswerText('hello there')}`]);
    expect(events.at(-1)?.candidates?.map((candidate) => candidate.finishReason)).toEqual(['STOP', 'STOP']);
    expect(
      events.slice(0, -1).some((event) => event.candidates?.some((candidate) => candidate.finishReason)),
    ).toBe(false);
  });
});

describe('OpenAI-compatible endpoint', () => {
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('answers a chat completion with the deterministic answer, keyed by Bearer', async () => {
    const response = await call(
      '/v1beta/openai/chat/completions',
      {
        model: 'models/gemini-2.0-flash',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'hello' }] },
        ],
      },
      bearer('ok-openai'),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const text = fakeAnswerText('hello');
    expect(await response.json()).toEqual({
      id: expect.any(String),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gemini-2.0-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 5,
        completion_tokens: Math.ceil(text.length / 4),
        total_tokens: 5 + Math.ceil(text.length / 4),
      },
    });
    expect(fake.lastRequest()).toMatchObject({ key: 'ok-openai', keySource: 'bearer', status: 200 });
    const journal = (await (await fetch(`${fake.url}/__fake/journal`)).json()) as {
      requests: { keySource: string }[];
    };
    expect(journal.requests.at(-1)?.keySource).toBe('bearer');
  });

  it('maps max_tokens to a length finish', async () => {
    const response = await call(
      '/v1beta/openai/chat/completions',
      { model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
      bearer('ok-openai'),
    );
    const body = (await response.json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
    };
    expect(body.choices[0]).toMatchObject({ message: { content: 'Echo: hi' }, finish_reason: 'length' });
  });

  it('streams chat.completion.chunks: role, text, finish, usage, [DONE]', async () => {
    const response = await call(
      '/v1beta/openai/chat/completions',
      {
        model: 'gemini-2.0-flash',
        messages: [{ role: 'user', content: 'stream it' }],
        stream: true,
        stream_options: { include_usage: true },
      },
      bearer('ok-openai'),
    );
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    expect(frames.at(-1)).toBe('data: [DONE]');
    const chunks = frames.slice(0, -1).map(
      (frame) =>
        JSON.parse(frame.replace(/^data: /, '')) as {
          id: string;
          object: string;
          choices: {
            index: number;
            delta: { role?: string; content?: string };
            finish_reason: string | null;
          }[];
          usage?: { total_tokens: number };
        },
    );
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks[0]?.choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
    ]);
    const text = chunks
      .slice(1, -2)
      .map((chunk) => chunk.choices[0]?.delta.content)
      .join('');
    expect(text).toBe(fakeAnswerText('stream it'));
    expect(chunks.slice(1, -2).length).toBeGreaterThan(1);
    expect(chunks.at(-2)?.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(3 + Math.ceil(fakeAnswerText('stream it').length / 4));
  });

  it('lists models and gets one', async () => {
    const list = await fetch(`${fake.url}/v1beta/openai/models`, { headers: bearer('ok-openai') });
    const body = (await list.json()) as { object: string; data: unknown[] };
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(fakeModels.length);
    expect(body.data).toContainEqual({
      id: 'models/gemini-2.5-flash',
      object: 'model',
      created: openAiModelCreated,
      owned_by: 'google',
    });
    const one = await fetch(`${fake.url}/v1beta/openai/models/gemini-2.5-pro`, {
      headers: bearer('ok-openai'),
    });
    expect(await one.json()).toEqual({
      id: 'models/gemini-2.5-pro',
      object: 'model',
      created: openAiModelCreated,
      owned_by: 'google',
    });
  });

  it('embeds with fakeEmbedding, as floats or as base64 float32', async () => {
    const floats = await call(
      '/v1beta/openai/embeddings',
      { model: 'gemini-embedding-001', input: ['first', 'second'], dimensions: 4 },
      bearer('ok-openai'),
    );
    expect(await floats.json()).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: fakeEmbedding('first', 4) },
        { object: 'embedding', index: 1, embedding: fakeEmbedding('second', 4) },
      ],
      model: 'gemini-embedding-001',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    const base64 = await call(
      '/v1beta/openai/embeddings',
      { model: 'text-embedding-004', input: 'one', encoding_format: 'base64' },
      bearer('ok-openai'),
    );
    const [item] = ((await base64.json()) as { data: { embedding: string }[] }).data;
    const bytes = Buffer.from(item?.embedding ?? '', 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(fakeEmbedding('one', 768).map(Math.fround));
  });

  it('wraps errors in an array, key behaviours and scripts included', async () => {
    const chat = { model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] };
    const noKey = await call('/v1beta/openai/chat/completions', chat, {});
    expect(noKey.status).toBe(403);
    expect(((await noKey.json()) as ErrorBody[])[0]?.error.status).toBe('PERMISSION_DENIED');

    const invalid = await call('/v1beta/openai/chat/completions', chat, bearer('invalid-k'));
    expect(invalid.status).toBe(400);
    const invalidBody = (await invalid.json()) as ErrorBody[];
    expect(invalidBody).toHaveLength(1);
    expect(invalidBody[0]?.error.message).toBe('API key not valid. Please pass a valid API key.');

    const quota = await call('/v1beta/openai/chat/completions', chat, bearer('quota-minute-k'));
    expect(quota.status).toBe(429);
    expect(JSON.stringify(await quota.json())).toContain('"model":"gemini-2.0-flash"');

    fake.script('scripted', ['overloaded', 'ok']);
    expect((await call('/v1beta/openai/chat/completions', chat, bearer('scripted'))).status).toBe(503);
    expect((await call('/v1beta/openai/chat/completions', chat, bearer('scripted'))).status).toBe(200);
    expect(fake.callsFor('scripted')).toBe(2);

    const unknown = await call(
      '/v1beta/openai/chat/completions',
      { ...chat, model: 'no-such-model' },
      bearer('ok-openai'),
    );
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody[])[0]?.error.message).toMatch(
      /^models\/no-such-model is not found for API version v1beta/,
    );
    expect(fake.lastRequest()?.errorBody).toMatch(/^\[\{"error":/);
  });

  it('reads Bearer keys on the OpenAI-compatible paths only', async () => {
    const response = await call('/v1beta/models/gemini-2.0-flash:generateContent', userText('hi'), {
      authorization: 'Bearer ok-native',
    });
    expect(response.status).toBe(403);
    expect(fake.lastRequest()).toMatchObject({ key: undefined, keySource: 'none' });
  });
});
