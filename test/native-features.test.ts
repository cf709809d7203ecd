import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { clientToken, generateBody, post, useStacks } from './helpers/start-stack.js';

// The seed's operator features on the native API, seen from @google/genai and from the fake upstream.
describe('native API features', () => {
  const start = useStacks();
  const client = (url: string) => new GoogleGenAI({ apiKey: clientToken, httpOptions: { baseUrl: url } });

  it('serves -search models with Google Search, SAFETY_SETTINGS and CUSTOM_HEADERS added', async () => {
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    const stack = await start({
      SAFETY_SETTINGS: JSON.stringify(safety),
      CUSTOM_HEADERS: '{"X-Team":"search"}',
    });
    const response = await client(stack.url).models.generateContent({
      model: 'gemini-2.5-flash-search',
      contents: 'news',
    });
    expect(response.candidates?.[0]?.groundingMetadata?.groundingChunks?.length).toBeGreaterThan(0);
    const upstream = stack.fake.lastRequest();
    expect(upstream?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream?.headers['x-team']).toBe('search');
    expect(JSON.parse(upstream?.body ?? '{}')).toMatchObject({
      tools: [{ googleSearch: {} }],
      safetySettings: safety,
    });
  });

  it('keeps the client’s own safety settings and sends its bytes untouched when no feature applies', async () => {
    const stack = await start({
      SAFETY_SETTINGS: '[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]',
    });
    const own = generateBody('mine', {
      safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' }],
    });
    await post(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`, own, {
      'x-goog-api-key': clientToken,
    });
    expect(JSON.parse(stack.fake.lastRequest()?.body ?? '{}').safetySettings).toEqual([
      { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' },
    ]);
    const plain = await start();
    const body = '{"contents":[{"parts":[{"text":"exact"}]}] , "generationConfig":{}}';
    await post(`${plain.url}/v1beta/models/gemini-2.5-flash:generateContent`, body, {
      'x-goog-api-key': clientToken,
    });
    expect(plain.fake.lastRequest()?.body).toBe(body);
  });

  it('fakes a native stream: one non-streaming call, keep-alives, then the answer as one event', async () => {
    const stack = await start(
      { FAKE_STREAM_ENABLED: 'true', FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: '0.1' },
      { slowMs: 300 },
    );
    stack.fake.script('ok-alpha-default-key', 'slow');
    const stream = await client(stack.url).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'wait for it',
    });
    let text = '';
    for await (const chunk of stream) text += chunk.text ?? '';
    expect(text).toBe(fakeAnswerText('wait for it'));
    expect(stack.fake.requests.map((request) => request.url)).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent',
    ]);
    const raw = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`,
      generateBody('array'),
      {
        'x-goog-api-key': clientToken,
      },
    );
    const array = (await raw.json()) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    expect(array[0]?.candidates[0]?.content.parts[0]?.text).toBe(fakeAnswerText('array'));
  });

  it('paces a native stream with the stream optimizer, each piece a whole Gemini chunk', async () => {
    const stack = await start({
      STREAM_OPTIMIZER_ENABLED: 'true',
      STREAM_MIN_DELAY: '0.001',
      STREAM_MAX_DELAY: '0.002',
    });
    const stream = await client(stack.url).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'pace',
    });
    const pieces: string[] = [];
    let finish: string | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.text ?? '');
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
    }
    expect(pieces.join('')).toBe(fakeAnswerText('pace'));
    expect(pieces.length).toBeGreaterThan(20);
    expect(finish).toBe('STOP');
  });
});
