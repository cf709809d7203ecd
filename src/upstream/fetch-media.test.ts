import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMediaFetcher, isPrivateAddress } from './fetch-media.js';

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['2001:4860:4860::8888', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('createMediaFetcher', () => {
  async function withServer(body: Buffer, run: (url: string) => Promise<void>) {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png; charset=binary' });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x.png`);
    } finally {
      server.close();
    }
  }

  it('refuses private addresses unless allowed, by address and by name', async () => {
    await withServer(Buffer.from('png'), async (url) => {
      const strict = createMediaFetcher({ timeoutMs: 2000, maxBytes: 100, allowPrivate: false });
      await expect(strict.fetchAll([url])).rejects.toThrow(/not public/);
      await expect(strict.fetchAll([url.replace('127.0.0.1', 'localhost')])).rejects.toThrow(/not public/);
      const open = createMediaFetcher({ timeoutMs: 2000, maxBytes: 100, allowPrivate: true });
      expect(await open.fetchAll([url])).toEqual(
        new Map([[url, { mimeType: 'image/png', data: Buffer.from('png').toString('base64') }]]),
      );
      await strict.close();
      await open.close();
    });
  });

  it('refuses media larger than the cap', async () => {
    await withServer(Buffer.alloc(1000), async (url) => {
      const fetcher = createMediaFetcher({ timeoutMs: 2000, maxBytes: 100, allowPrivate: true });
      await expect(fetcher.fetchAll([url])).rejects.toThrow(/larger than 100 bytes/);
      await fetcher.close();
    });
  });
});
