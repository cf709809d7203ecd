import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { clientToken, type Stack, useStacks } from './helpers/start-stack.js';

// Each client request is answered once and logged once, however many upstream calls it takes.

const start = useStacks();

async function requestRows(s: Stack) {
  await s.gateway.logWriter.flush();
  return s.gateway.database.db.selectFrom('request_log').selectAll().execute();
}

const repliedTwice = (s: Stack) => s.logLines.filter((line) => /already sent/i.test(line));

describe('one answer and one request-log row per request', () => {
  it('audio/speech replies once', async () => {
    const s = await start();
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${s.url}/v1`, maxRetries: 0 });
    const speech = await openai.audio.speech.create({
      model: 'tts-1',
      voice: 'Kore' as 'alloy',
      input: 'Hello there',
      response_format: 'wav',
    });
    expect(
      Buffer.from(await speech.arrayBuffer())
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('RIFF');
    expect(repliedTwice(s)).toEqual([]);
    expect(await requestRows(s)).toMatchObject([{ route: 'openai audio.speech', status: 200, success: 1 }]);
  });

  it('images/generations with a Gemini image model and n=2 writes one request-log row', async () => {
    const s = await start();
    const openai = new OpenAI({ apiKey: clientToken, baseURL: `${s.url}/v1`, maxRetries: 0 });
    const images = await openai.images.generate({
      model: 'gemini-2.5-flash-image',
      prompt: 'a red square',
      n: 2,
      response_format: 'b64_json',
    });
    expect(images.data).toHaveLength(2);
    expect(repliedTwice(s)).toEqual([]);
    const rows = await requestRows(s);
    expect(rows).toMatchObject([
      { route: 'openai images.generations', status: 200, success: 1, attempts: 2 },
    ]);
    // Both upstream calls were made, each through the pool.
    expect(s.fake.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
  });
});
