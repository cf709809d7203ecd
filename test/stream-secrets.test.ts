import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';
import { secretEncodings } from './secret-scan/secret-encodings.js';

// Item 8 of issue 7: once a 200 stream has started nothing can be retried, and an in-band error
// event (or any event) from a broken or hostile upstream may quote the key it was called with.
// Every spelling of that key, and any other Google-shaped key, is scrubbed on the way out (and from
// complete answers).

const poolKey = `AIza${'SyHostileStreamKey'.repeat(2)}x`;
const otherKey = `AIza${'SyNotInThePoolAtAll'.repeat(2)}`;
/** The key spelled plain, percent-encoded, as JSON escapes (placeholder, see below) and in base64. */
const spellings = (key: string) => [
  key,
  [...key].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
  `JSON-ESCAPED:${key}`,
  ...[0, 1, 2].map((offset) =>
    Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(key)]).toString('base64'),
  ),
];
/** JSON.stringify escapes no letter: the `\u0041` spelling is put into the JSON text afterwards. */
const withJsonEscapes = (json: string) =>
  json.replace(/JSON-ESCAPED:(AIza[0-9A-Za-z_-]{35})/g, (_match, key: string) =>
    [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  );

const answer = { candidates: [{ content: { parts: [{ text: 'fine so far' }], role: 'model' }, index: 0 }] };
function hostileEvents(key: string): string[] {
  const message = `Consumer api_key:${spellings(key).join(' ')} other ${spellings(otherKey).join(' ')}`;
  return [
    JSON.stringify(answer),
    JSON.stringify({ candidates: [{ content: { parts: [{ text: message }], role: 'model' }, index: 0 }] }),
    JSON.stringify({ error: { code: 500, message, status: 'INTERNAL' } }),
  ].map(withJsonEscapes);
}

/** Writes `text` a few bytes at a time, so every key is torn across network chunks. */
async function trickle(response: ServerResponse, text: string) {
  for (let index = 0; index < text.length; index += 7) {
    response.write(text.slice(index, index + 7));
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** An upstream that answers every stream call with 200 and events quoting the caller's key. */
function hostile(request: IncomingMessage, response: ServerResponse) {
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  const key = String(request.headers['x-goog-api-key'] ?? bearer ?? '');
  const events = hostileEvents(key);
  request.resume();
  // Google's compatible endpoint, like generateContent, answers a whole request with one object.
  if (
    request.url?.includes(':generateContent') ||
    (request.url?.includes('/openai/') && !request.url.includes('alt=sse'))
  ) {
    const [, quoting] = events;
    response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(quoting);
  } else if (request.url?.includes('alt=sse')) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    void trickle(response, events.map((event) => `data: ${event}\r\n\r\n`).join(''));
  } else {
    response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    void trickle(response, `[${events.join(',\r\n')}]`);
  }
}

let server: Server;
let stack: Stack;
beforeAll(async () => {
  server = createServer(hostile);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1beta`;
  stack = await startStack({ API_KEYS: poolKey, BASE_URL: base });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => server.close(resolve));
});

function leaks(received: string): string[] {
  const latin1 = Buffer.from(received, 'utf8').toString('latin1');
  // Percent and JSON escapes undone, for the spellings secretEncodings does not list.
  const unescaped = received.replace(/%([0-9a-f]{2})|\\u([0-9a-f]{4})/gi, (_match, percent, json) =>
    String.fromCharCode(Number.parseInt(percent ?? json, 16)),
  );
  return [poolKey, otherKey].flatMap((key) => [
    ...secretEncodings(key)
      .filter(({ needle }) => latin1.includes(needle))
      .map(({ encoding }) => `${key === poolKey ? 'pool' : 'other'} key ${encoding}`),
    ...(unescaped.includes(key) ? [`${key === poolKey ? 'pool' : 'other'} key escaped`] : []),
  ]);
}

describe('keys in a 200 stream', () => {
  it('the hostile upstream does send every spelling (the test can see a leak)', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const direct = await post(`${base}/v1beta/models/m:streamGenerateContent?alt=sse`, '{}', {
      'x-goog-api-key': poolKey,
    });
    expect(leaks(await direct.text()).length).toBeGreaterThanOrEqual(8);
  });

  it.each([
    ['native SSE', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
    ['native JSON array', '/v1beta/models/gemini-2.5-flash:streamGenerateContent'],
  ])('%s: scrubbed, the stream otherwise intact', async (_name, path) => {
    const response = await post(`${stack.url}${path}`, generateBody('hi'), { 'x-goog-api-key': clientToken });
    expect(response.status).toBe(200);
    // Google's in-band error ends the stream, which is then cut: the answer is incomplete.
    const { text: received, complete } = await readStream(response);
    expect(complete).toBe(!path.includes('alt=sse'));
    expect(leaks(received)).toEqual([]);
    expect(received).toContain(JSON.stringify(answer));
    expect(received).toContain('AIza…');
  });

  it('native generateContent, a complete answer: scrubbed', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      { 'x-goog-api-key': clientToken },
    );
    expect(response.status).toBe(200);
    const received = await response.text();
    expect(leaks(received)).toEqual([]);
    expect(received).toContain('AIza…');
  });

  it('OpenAI chat, a complete answer: scrubbed', async () => {
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const received = await response.text();
    expect(leaks(received)).toEqual([]);
    expect(received).toContain('AIza…');
  });

  it('/openai/v1 passthrough, a complete answer: scrubbed', async () => {
    const response = await fetch(`${stack.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const received = await response.text();
    expect(leaks(received)).toEqual([]);
    expect(received).toContain('AIza…');
  });

  it('OpenAI chat stream: scrubbed', async () => {
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(200);
    const { text: received } = await readStream(response);
    expect(leaks(received)).toEqual([]);
    expect(received).toContain('fine so far');
    expect(received).toContain('AIza…');
  });

  it.each([false, true])('OpenAI Responses (stream: %s): scrubbed', async (stream) => {
    const response = await fetch(`${stack.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', stream, input: 'hi' }),
    });
    expect(response.status).toBe(200);
    const { text: received } = await readStream(response);
    expect(leaks(received)).toEqual([]);
    expect(received).toContain('AIza…');
    // The stream says the error Google sent in its `error` event and in `response.failed`.
    if (stream) expect(received).toContain('event: response.failed');
  });
});

describe('keys in an Anthropic answer', () => {
  it.each([
    ['a complete message', false],
    ['a message stream', true],
  ])('%s: scrubbed', async (_name, stream) => {
    const response = await fetch(`${stack.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': clientToken, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        max_tokens: 100,
        stream,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(200);
    const { text: received } = await readStream(response);
    expect(leaks(received)).toEqual([]);
    if (stream) expect(received).toContain('fine so far');
    expect(received).toContain('AIza…');
  });
});
