import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Item 2 of issue 7: a client decides nothing about what reaches Google beyond its body — no
// credentials or system parameters in the query, no path outside the resources the gateway relays.

const adminToken = 'admin-token-for-tests';
const keys = ['ok-alpha-default-key', 'ok-bravo-default-key', 'ok-charlie-default-key'];
const start = useStacks();

async function keyStatuses(s: Stack): Promise<string[]> {
  const response = await fetch(`${s.url}/api/keys`, { headers: { authorization: `Bearer ${adminToken}` } });
  const body = (await response.json()) as { items: { status: string; lastError: unknown }[] };
  return body.items.map((key) => `${key.status} ${JSON.stringify(key.lastError)}`);
}

/** One request written byte for byte (fetch would resolve `..` and re-encode the path). */
function rawRequest(url: string, requestLine: string, headers: Record<string, string> = {}, body = '') {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const head = Object.entries({ host: 'gateway', connection: 'close', ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      // Not end(): a half-closed connection reads as a client that left.
      socket.write(
        `${requestLine} HTTP/1.1\r\n${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('query parameters sent upstream', () => {
  it('the fake answers an access_token as Google does: 401 UNAUTHENTICATED for any key', async () => {
    const s = await start();
    const response = await post(
      `${s.fake.url}/v1beta/models/gemini-2.5-flash:generateContent?access_token=x`,
      generateBody('hi'),
      { 'x-goog-api-key': 'ok-key-a' },
    );
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { status: string; details: { reason: string }[] } };
    expect(body.error.status).toBe('UNAUTHENTICATED');
    expect(body.error.details[0]?.reason).toBe('ACCESS_TOKEN_TYPE_UNSUPPORTED');
  });

  it.each([
    'access_token=x',
    '%61ccess_token=x',
    'access%5Ftoken=x',
    '%61%63%63%65%73%73%5f%74%6f%6b%65%6e=x',
    'oauth_token=x',
    `key=${clientToken}&KEY=x&%6Bey=y&k%65y=z`,
    'quotaUser=u&fields=candidates&%24callback=f&prettyPrint=false',
  ])('?%s never reaches Google and leaves every key active', async (query) => {
    const s = await start();
    const auth = { 'x-goog-api-key': clientToken };
    for (const path of [
      `/v1beta/models/gemini-2.5-flash:generateContent?${query}`,
      `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&${query}`,
      `/gemini/v1beta/models/gemini-2.5-flash:countTokens?${query}`,
    ]) {
      const response = await post(`${s.url}${path}`, generateBody('hi'), auth);
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    const listed = await fetch(`${s.url}/v1beta/models?pageSize=2&${query}`, { headers: auth });
    expect(listed.status).toBe(200);
    // Google's page of 2, each model followed by the names the settings derive from it (-search).
    const { models } = (await listed.json()) as { models: { name: string }[] };
    expect(models.filter((model) => !model.name.endsWith('-search'))).toHaveLength(2);
    const compat = await fetch(`${s.url}/openai/v1/models?${query}`, {
      headers: { authorization: `Bearer ${clientToken}` },
    });
    expect(compat.status).toBe(200);

    const sent = s.fake.requests.map((request) => request.url);
    expect(sent).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      '/v1beta/models/gemini-2.5-flash:countTokens',
      '/v1beta/models?pageSize=2',
      '/v1beta/openai/models',
    ]);
    expect(s.fake.requests.every((request) => request.status === 200)).toBe(true);
    expect(await keyStatuses(s)).toEqual(keys.map(() => 'active null'));
  });
});

describe('/openai/v1 paths', () => {
  const bearer = { authorization: `Bearer ${clientToken}` };
  const chat = JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });

  it('relays the resources of Google’s compatible endpoint', async () => {
    const s = await start();
    const json = { ...bearer, 'content-type': 'application/json' };
    expect((await rawRequest(s.url, 'POST /openai/v1/chat/completions', json, chat)).status).toBe(200);
    expect((await rawRequest(s.url, 'GET /openai/v1/models/gemini-2.5-flash', bearer)).status).toBe(200);
    expect(s.fake.requests.map((request) => request.url)).toEqual([
      '/v1beta/openai/chat/completions',
      '/v1beta/openai/models/gemini-2.5-flash',
    ]);
  });

  it.each([
    ['POST /openai/v1/../v1beta/models/gemini-2.5-flash:generateContent', 400],
    ['POST /openai/v1/chat/../../../v1beta/models', 400],
    ['POST /openai/v1/%2e%2e/%2e%2e/v1beta/models', 400],
    ['POST /openai/v1/chat%2Fcompletions', 400],
    ['POST /openai/v1/chat/completions%3Fkey=x', 400],
    ['POST /openai/v1/chat/completions%23x', 400],
    ['POST /openai/v1/chat/completions%0D%0AX-Injected:%201', 400],
    ['POST /openai/v1/chat\\completions', 400],
    ['POST /openai/v1/./chat/completions', 400],
    ['POST /openai/v1//chat/completions', 400],
    ['POST /openai/v1/files', 404],
    ['POST /openai/v1/chat/completions/extra', 404],
    ['GET /openai/v1/chat/completions', 405],
  ])('%s → %i in OpenAI’s shape, nothing sent upstream', async (requestLine, status) => {
    const s = await start();
    const response = await rawRequest(
      s.url,
      requestLine,
      { ...bearer, 'content-type': 'application/json' },
      chat,
    );
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { message: expect.any(String), type: expect.any(String) },
    });
    expect(s.fake.requests).toEqual([]);
  });
});
