import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../core/cancellation.js';
import { createFakeUpstream, type FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createGeminiClient, type GeminiClient, KeyWithdrawnError } from './gemini-client.js';

describe('createGeminiClient', () => {
  let fake: FakeUpstream;
  let client: GeminiClient;
  const request = {
    method: 'POST' as const,
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    query: '',
    body: Buffer.from('{"contents":[{"parts":[{"text":"hi"}]}]}'),
  };

  beforeAll(async () => {
    fake = await createFakeUpstream();
    client = createGeminiClient({
      base: { origin: fake.url, pathPrefix: '' },
      timeoutMs: 5000,
      customHeaders: { 'x-team': 'a' },
    });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it('sends the key in a header only, with the custom headers', async () => {
    const answer = await client.send(request, 'k-1', false);
    expect(answer.statusCode).toBe(200);
    expect(fake.lastRequest()).toMatchObject({ key: 'k-1', keySource: 'header', headers: { 'x-team': 'a' } });
  });

  it('withdraws a call whose key stopped serving before it was sent', async () => {
    const before = fake.requests.length;
    await expect(client.send(request, 'k-1', false, new Cancellation(), () => false)).rejects.toBeInstanceOf(
      KeyWithdrawnError,
    );
    expect(fake.requests.length).toBe(before);
    expect((await client.send(request, 'k-1', false, new Cancellation(), () => true)).statusCode).toBe(200);
  });

  it('hands a stream over at its first chunk and the rest through a sink', async () => {
    const answer = await client.send(
      {
        ...request,
        path: request.path.replace('generateContent', 'streamGenerateContent'),
        query: 'alt=sse',
      },
      'k-1',
      true,
    );
    if (answer.kind !== 'stream') throw new Error('expected a stream');
    const chunks = [answer.first];
    await new Promise<void>((resolve, reject) =>
      answer.rest.pipe({ data: (chunk) => chunks.push(chunk), end: resolve, error: reject }),
    );
    expect(Buffer.concat(chunks).toString().split('\r\n\r\n').filter(Boolean).length).toBeGreaterThan(1);
  });
});
