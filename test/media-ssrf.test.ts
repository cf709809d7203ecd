import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// Item 3 of issue 7: a chat request's image URLs never make the gateway call into its own network.
// Loopback servers stand for that network; every spelling of their address must be refused with
// OpenAI's 400 and without a single request reaching them.

interface Loopback {
  readonly port: number;
  readonly received: string[];
  close(): Promise<void>;
}

async function listen(host: string): Promise<Loopback> {
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    received.push(request.url ?? '');
    if (request.url === '/redirect') {
      response.writeHead(302, { location: `http://127.0.0.1:${port}/secret` });
      return response.end();
    }
    response.writeHead(200, { 'content-type': 'image/png' });
    response.end(Buffer.alloc(700, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function chat(stack: Stack, urls: readonly string[]) {
  return fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gemini-2.5-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is it?' },
            ...urls.map((url) => ({ type: 'image_url', image_url: { url } })),
          ],
        },
      ],
    }),
  });
}

let v4: Loopback;
let v6: Loopback;
let stack: Stack;
beforeAll(async () => {
  v4 = await listen('127.0.0.1');
  v6 = await listen('::1');
  stack = await startStack({ MEDIA_MAX_URLS: '3' });
});
afterAll(async () => {
  await stack.close();
  await v4.close();
  await v6.close();
});

// `V4` and `V6` stand for the ports of the IPv4 and IPv6 loopback servers.
const forms = [
  'http://127.0.0.1:V4/cat.png',
  'https://127.0.0.1:V4/cat.png',
  'http://127.0.0.2:V4/',
  'http://2130706433:V4/',
  'http://0x7f000001:V4/',
  'http://0x7f.0x0.0x0.0x1:V4/',
  'http://0177.0.0.1:V4/',
  'http://0177.0000.0000.0001:V4/',
  'http://127.1:V4/',
  'http://127.0.1:V4/',
  'http://0:V4/',
  'http://0.0.0.0:V4/',
  'http://localhost:V4/',
  'http://LocalHost:V4/',
  'http://user:pass@127.0.0.1:V4/',
  'http://[::ffff:127.0.0.1]:V4/',
  'http://[::ffff:7f00:1]:V4/',
  'http://[0:0:0:0:0:ffff:7f00:1]:V4/',
  'http://[::127.0.0.1]:V4/',
  'http://[64:ff9b::127.0.0.1]:V4/',
  'http://[2002:7f00:1::]:V4/',
  'http://[::1]:V6/',
  'http://[0:0:0:0:0:0:0:1]:V6/',
  'http://[0000::0001]:V6/',
  'http://[::]:V6/',
  'http://[::]:V4/',
  // Ranges no test server lives in, refused all the same.
  'http://10.0.0.1/',
  'http://100.64.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://172.16.0.1/',
  'http://192.0.0.1/',
  'http://192.0.2.1/',
  'http://192.88.99.1/',
  'http://192.168.0.1/',
  'http://198.18.0.1/',
  'http://198.51.100.1/',
  'http://203.0.113.1/',
  'http://224.0.0.1/',
  'http://240.0.0.1/',
  'http://255.255.255.255/',
  'http://[64:ff9b:1::a00:1]/',
  'http://[2001::1]/',
  'http://[2001:db8::1]/',
  'http://[100::1]/',
  'http://[fc00::1]/',
  'http://[fd00::1]/',
  'http://[fe80::1]/',
  'http://[fec0::1]/',
  'http://[ff02::1]/',
  'http://[::ffff:a9fe:a9fe]/',
];

describe('media URLs on non-public addresses', () => {
  it.each(forms)('%s → 400, nothing fetched', async (form) => {
    const url = form.replace('V4', String(v4.port)).replace('V6', String(v6.port));
    const response = await chat(stack, [url]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string; param: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    expect(body.error.message).toMatch(/not public/);
    expect(v4.received).toEqual([]);
    expect(v6.received).toEqual([]);
    expect(stack.fake.requests).toEqual([]);
  });

  it('a redirect is not followed (here from a server the operator allowed)', async () => {
    const open = await startStack({ ALLOW_PRIVATE_MEDIA_URLS: 'true' });
    try {
      const response = await chat(open, [`http://127.0.0.1:${v4.port}/redirect`]);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/status 302/);
      expect(v4.received).toEqual(['/redirect']);
      // With ALLOW_PRIVATE_MEDIA_URLS the same server is fetched: the refusals above are the check's.
      expect((await chat(open, [`http://127.0.0.1:${v4.port}/cat.png`])).status).toBe(200);
      expect(v4.received).toEqual(['/redirect', '/cat.png']);
    } finally {
      await open.close();
      v4.received.length = 0;
    }
  });
});

describe('media limits per request', () => {
  it('more URLs than MEDIA_MAX_URLS → 400, nothing fetched', async () => {
    const urls = [1, 2, 3, 4].map((n) => `https://example.invalid/${n}.png`);
    const response = await chat(stack, urls);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 3 media URLs per request \(MEDIA_MAX_URLS\)/,
    );
    expect(stack.fake.requests).toEqual([]);
  });

  it('more bytes than MEDIA_MAX_TOTAL_BYTES → 400', async () => {
    const open = await startStack({ ALLOW_PRIVATE_MEDIA_URLS: 'true', MEDIA_MAX_TOTAL_BYTES: '1000' });
    try {
      const response = await chat(open, [
        `http://127.0.0.1:${v4.port}/a.png`,
        `http://127.0.0.1:${v4.port}/b.png`,
      ]);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /larger than 1000 bytes \(MEDIA_MAX_TOTAL_BYTES\)/,
      );
      expect(open.fake.requests).toEqual([]);
    } finally {
      await open.close();
      v4.received.length = 0;
    }
  });
});
