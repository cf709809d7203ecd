import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediaFetcher, createPublicConnector, type MediaFetchOptions } from './fetch-media.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

/** A loopback server that counts the requests it received. */
async function serve(
  answer: (path: string) => { status?: number; headers?: Record<string, string>; body?: Buffer },
  host = '127.0.0.1',
) {
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    received.push(request.url ?? '');
    const {
      status = 200,
      headers = { 'content-type': 'image/png; charset=binary' },
      body,
    } = answer(request.url ?? '');
    response.writeHead(status, headers);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  open.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  const port = (server.address() as AddressInfo).port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, received };
}

function fetcher(options: Partial<MediaFetchOptions> = {}) {
  const created = createMediaFetcher({
    timeoutMs: 2000,
    maxBytes: 1000,
    maxUrls: 4,
    maxTotalBytes: 10_000,
    allowPrivate: false,
    ...options,
  });
  open.push(created);
  return created;
}

describe('createMediaFetcher', () => {
  it('fetches media when private addresses are allowed', async () => {
    const server = await serve(() => ({ body: Buffer.from('png') }));
    expect(await fetcher({ allowPrivate: true }).fetchAll([`${server.url}/x.png`])).toEqual(
      new Map([
        [`${server.url}/x.png`, { mimeType: 'image/png', data: Buffer.from('png').toString('base64') }],
      ]),
    );
  });

  it.each([
    'http://127.0.0.1:PORT/',
    'http://2130706433:PORT/',
    'http://0x7f000001:PORT/',
    'http://0x7f.0.0.1:PORT/',
    'http://0177.0.0.1:PORT/',
    'http://127.1:PORT/',
    'http://0:PORT/',
    'http://0.0.0.0:PORT/',
    'http://localhost:PORT/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://[::ffff:7f00:1]:PORT/',
    'http://[::127.0.0.1]:PORT/',
    'http://[64:ff9b::7f00:1]:PORT/',
    'http://[2002:7f00:1::]:PORT/',
  ])('refuses %s before any byte reaches the loopback server', async (form) => {
    const server = await serve(() => ({ body: Buffer.from('png') }));
    await expect(fetcher().fetchAll([form.replace('PORT', String(server.port))])).rejects.toThrow(
      /not public/,
    );
    expect(server.received).toEqual([]);
  });

  it('refuses a name for loopback spelled with a trailing dot (refused, or not resolved here)', async () => {
    const server = await serve(() => ({ body: Buffer.from('png') }));
    await expect(fetcher().fetchAll([`http://LOCALHOST.:${server.port}/`])).rejects.toThrow(
      /could not fetch/,
    );
    expect(server.received).toEqual([]);
  });

  it('judges the address connected, not only the name (IPv6 loopback)', async () => {
    const server = await serve(() => ({ body: Buffer.from('png') }), '::1');
    await expect(fetcher().fetchAll([`${server.url}/`])).rejects.toThrow(/not public/);
    await expect(fetcher().fetchAll([`http://[0:0:0:0:0:0:0:1]:${server.port}/`])).rejects.toThrow(
      /not public/,
    );
    await expect(fetcher().fetchAll([`http://[::]:${server.port}/`])).rejects.toThrow(/not public/);
    expect(server.received).toEqual([]);
  });

  it.each(['127.0.0.1', '::1'])(
    'the connector refuses a socket that reached %s (what a rebound name would reach)',
    async (host) => {
      const server = await serve(() => ({ body: Buffer.from('png') }), host);
      const connect = createPublicConnector(2000);
      const outcome = await new Promise<Error | null>((resolve) =>
        connect(
          { hostname: host, host, protocol: 'http:', port: String(server.port) } as never,
          (error, socket) => {
            socket?.destroy();
            resolve(error);
          },
        ),
      );
      expect(outcome?.message).toMatch(/not public/);
      expect(server.received).toEqual([]);
    },
  );

  it('does not follow redirects', async () => {
    const target = await serve(() => ({ body: Buffer.from('png') }));
    const redirecting = await serve(() => ({ status: 302, headers: { location: `${target.url}/secret` } }));
    await expect(fetcher({ allowPrivate: true }).fetchAll([`${redirecting.url}/x`])).rejects.toThrow(
      /status 302/,
    );
    expect(redirecting.received).toEqual(['/x']);
    expect(target.received).toEqual([]);
  });

  it('refuses media larger than the cap', async () => {
    const server = await serve(() => ({ body: Buffer.alloc(1001) }));
    await expect(fetcher({ allowPrivate: true }).fetchAll([`${server.url}/x`])).rejects.toThrow(
      /larger than 1000 bytes/,
    );
  });

  it('bounds the number of URLs of a request, counting each URL once', async () => {
    const server = await serve(() => ({ body: Buffer.from('png') }));
    const urls = [1, 2, 3].map((n) => `${server.url}/${n}`);
    const bounded = fetcher({ allowPrivate: true, maxUrls: 2 });
    await expect(bounded.fetchAll(urls)).rejects.toThrow(
      /at most 2 media URLs per request \(MEDIA_MAX_URLS\)/,
    );
    expect(server.received).toEqual([]);
    expect((await bounded.fetchAll([...urls.slice(0, 2), ...urls.slice(0, 2)])).size).toBe(2);
  });

  it('bounds the bytes of all the URLs of a request together', async () => {
    const server = await serve(() => ({ body: Buffer.alloc(600) }));
    const bounded = fetcher({ allowPrivate: true, maxTotalBytes: 1000 });
    expect((await bounded.fetchAll([`${server.url}/1`])).size).toBe(1);
    await expect(bounded.fetchAll([`${server.url}/1`, `${server.url}/2`])).rejects.toThrow(
      /together are larger than 1000 bytes \(MEDIA_MAX_TOTAL_BYTES\)/,
    );
  });
});
