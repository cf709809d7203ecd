import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { isPrivateAddress } from './is-private-address.js';

export interface MediaFetchOptions {
  readonly timeoutMs: number;
  /** The most one URL may weigh. */
  readonly maxBytes: number;
  /** The most URLs one request may name (MEDIA_MAX_URLS). */
  readonly maxUrls: number;
  /** The most all of one request's URLs may weigh together (MEDIA_MAX_TOTAL_BYTES). */
  readonly maxTotalBytes: number;
  /** Whether URLs may point at private, loopback or link-local addresses (ALLOW_PRIVATE_MEDIA_URLS). */
  readonly allowPrivate: boolean;
}

export interface FetchedMedia {
  readonly mimeType: string;
  readonly data: string;
}

/** Media a request named that the gateway would not or could not fetch: the client's 400. */
export class MediaFetchError extends Error {
  constructor(reason: string, url?: string) {
    super(url === undefined ? reason : `could not fetch ${originOf(url)}…: ${reason}`);
    this.name = 'MediaFetchError';
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'a malformed URL';
  }
}

const notPublic = 'the address is not public';

type LookupCallback = (error: Error | null, address: string | object[], family?: number) => void;

/** DNS answers with the non-public addresses removed, so a name with a public address still works. */
function publicLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const allowed = addresses.filter((entry) => !isPrivateAddress(entry.address));
    const [first] = allowed;
    if (!first) return callback(new Error(notPublic), '', 4);
    if (options.all) return callback(null, allowed);
    callback(null, first.address, first.family);
  });
}

/**
 * Opens connections only to public addresses, judged on the address the socket actually reached —
 * whatever a name resolved to, or was made to resolve to between a check and the call (DNS
 * rebinding). An IP literal is never looked up, so this is its only check besides the URL's.
 */
export function createPublicConnector(timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: publicLookup } as buildConnector.BuildOptions);
  return (options, callback) =>
    connect(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      if (isPrivateAddress(socket.remoteAddress ?? '')) {
        socket.destroy();
        return callback(new Error(notPublic), null);
      }
      callback(null, socket);
    });
}

/**
 * Downloads the http(s) media a chat request names (image_url), to inline it for Gemini, without
 * turning the gateway into a proxy to the operator's network: non-public addresses are refused
 * (unless ALLOW_PRIVATE_MEDIA_URLS), redirects are not followed (a public server could point at a
 * private one), and a request's media are bounded in number and in total size.
 */
export function createMediaFetcher(options: MediaFetchOptions) {
  const agent = new Agent(
    options.allowPrivate
      ? { connect: { timeout: options.timeoutMs } }
      : { connect: createPublicConnector(options.timeoutMs) },
  );

  /** Bytes the request may still download, shared by its concurrent fetches. */
  interface Budget {
    remaining: number;
  }

  async function fetchOne(url: string, budget: Budget, signal: AbortSignal): Promise<FetchedMedia> {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      throw new MediaFetchError('not a valid URL');
    }
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host))
      throw new MediaFetchError(notPublic, url);
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        dispatcher: agent,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
      });
    } catch (error) {
      throw new MediaFetchError(reasonOf(error), url);
    }
    if (response.statusCode !== 200) {
      response.body.destroy();
      throw new MediaFetchError(`status ${response.statusCode}`, url);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        budget.remaining -= (chunk as Buffer).length;
        if (size > options.maxBytes) throw new MediaFetchError(`larger than ${options.maxBytes} bytes`, url);
        if (budget.remaining < 0) {
          throw new MediaFetchError(
            `the request's media together are larger than ${options.maxTotalBytes} bytes (MEDIA_MAX_TOTAL_BYTES)`,
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      response.body.destroy();
      throw error instanceof MediaFetchError ? error : new MediaFetchError(reasonOf(error), url);
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
      if (unique.length > options.maxUrls) {
        throw new MediaFetchError(`at most ${options.maxUrls} media URLs per request (MEDIA_MAX_URLS)`);
      }
      // The first failure stops the other downloads: their bytes would be thrown away.
      const stop = new AbortController();
      const budget: Budget = { remaining: options.maxTotalBytes };
      try {
        const fetched = await Promise.all(
          unique.map(async (url) => [url, await fetchOne(url, budget, stop.signal)] as const),
        );
        return new Map(fetched);
      } catch (error) {
        stop.abort();
        throw error;
      }
    },
    close: () => agent.close(),
  };
}

function reasonOf(error: unknown): string {
  const { message, cause } = error as { message?: string; cause?: { message?: string } };
  return cause?.message ?? message ?? 'network error';
}

export type MediaFetcher = ReturnType<typeof createMediaFetcher>;
