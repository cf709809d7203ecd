import { Client } from 'undici';
import { createProxyConnector, type OutboundProxy, OutboundProxyError } from './outbound-proxy.js';

/** One proxy's check, named `scheme://host:port`: never its credentials. */
export type ProxyCheck =
  | { readonly proxy: string; readonly ok: true; readonly ms: number; readonly status: number }
  | { readonly proxy: string; readonly ok: false; readonly error: string };

export interface ProxyCheckOptions {
  readonly proxies: readonly OutboundProxy[];
  /** BASE_URL's origin: where calls go through the proxies. */
  readonly origin: string;
  /** Each step of opening the tunnel (CONNECT_TIMEOUT_SECONDS, capped). */
  readonly connectMs: number;
  /** The whole check of one proxy. */
  readonly timeoutMs: number;
}

/**
 * Tries each proxy the way calls use it: a tunnel through it to `origin` (TLS included for https),
 * then `GET /` there, with no key. Any HTTP answer proves the way works, whatever its status. The
 * proxies are tried together; each connection is closed after its check.
 */
export function checkOutboundProxies(options: ProxyCheckOptions): Promise<ProxyCheck[]> {
  return Promise.all(options.proxies.map((proxy) => checkOne(proxy, options)));
}

async function checkOne(proxy: OutboundProxy, options: ProxyCheckOptions): Promise<ProxyCheck> {
  const connector = createProxyConnector(proxy, options.connectMs);
  const client = new Client(options.origin, {
    connect: connector.connect,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const startedMs = performance.now();
  try {
    const answer = await client.request({
      method: 'GET',
      path: '/',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await answer.body.dump();
    return {
      proxy: proxy.label,
      ok: true,
      ms: Math.round(performance.now() - startedMs),
      status: answer.statusCode,
    };
  } catch (error) {
    return { proxy: proxy.label, ok: false, error: describeCheckFailure(error, options) };
  } finally {
    await client.destroy().catch(() => {});
    await connector.close().catch(() => {});
  }
}

/** Why a check failed, naming the proxy's steps apart from the origin's; never a credential. */
function describeCheckFailure(error: unknown, options: ProxyCheckOptions): string {
  if (error instanceof OutboundProxyError) return error.message;
  const name = (error as { name?: string } | null)?.name;
  const code = (error as { code?: string } | null)?.code;
  if (name === 'TimeoutError' || name === 'AbortError' || code?.endsWith('_TIMEOUT'))
    return `No answer from ${options.origin} through the proxy within ${options.timeoutMs / 1000} s.`;
  return `The tunnel opened, but ${options.origin} could not be reached through it (${code ?? name ?? 'error'}).`;
}
