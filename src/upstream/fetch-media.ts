import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';

export interface MediaFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Whether URLs may point at private, loopback or link-local addresses (ALLOW_PRIVATE_MEDIA_URLS). */
  readonly allowPrivate: boolean;
}

export interface FetchedMedia {
  readonly mimeType: string;
  readonly data: string;
}

export class MediaFetchError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`could not fetch ${new URL(url).origin}…: ${reason}`);
    this.name = 'MediaFetchError';
  }
}

/** Private, loopback, link-local and other non-public addresses a client must not make us call. */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const v6 = address.toLowerCase();
  return v6 === '::' || v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}

/**
 * Downloads the http(s) media a chat request names (image_url), to inline it for Gemini. The
 * address is checked when the connection is made, so a name that resolves to an internal address
 * (or is made to, between a check and the call) cannot turn the gateway into a proxy to the
 * operator's network.
 */
export function createMediaFetcher(options: MediaFetchOptions) {
  const agent = new Agent({
    connect: {
      lookup(hostname, lookupOptions, callback) {
        lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
          if (error) return callback(error, '', 4);
          const list = addresses as unknown as { address: string; family: number }[];
          const allowed = options.allowPrivate
            ? list
            : list.filter((entry) => !isPrivateAddress(entry.address));
          if (allowed.length === 0) return callback(new Error('the address is not public'), '', 4);
          if ((lookupOptions as { all?: boolean }).all) return callback(null, allowed as never, 4);
          const [first] = allowed as [{ address: string; family: number }];
          callback(null, first.address, first.family);
        });
      },
    },
  });

  async function fetchOne(url: string): Promise<FetchedMedia> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) {
      throw new MediaFetchError(url, 'the address is not public');
    }
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        dispatcher: agent,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new MediaFetchError(url, (error as Error).message);
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new MediaFetchError(url, `status ${response.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) {
        response.body.destroy();
        throw new MediaFetchError(url, `larger than ${options.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const mimeType =
      String(response.headers['content-type'] ?? 'application/octet-stream')
        .split(';')[0]
        ?.trim() ?? '';
    return { mimeType, data: Buffer.concat(chunks).toString('base64') };
  }

  return {
    /** Fetches every URL (once each); rejects with MediaFetchError on the first failure. */
    async fetchAll(urls: readonly string[]): Promise<Map<string, FetchedMedia>> {
      const unique = [...new Set(urls)];
      const fetched = await Promise.all(unique.map(async (url) => [url, await fetchOne(url)] as const));
      return new Map(fetched);
    },
    close: () => agent.close(),
  };
}

export type MediaFetcher = ReturnType<typeof createMediaFetcher>;
