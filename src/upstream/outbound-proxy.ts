import type { Socket } from 'node:net';
import { SocksClient } from 'socks';
import { buildConnector, Pool } from 'undici';
import type { OutboundProxy } from '../config/parse-outbound-proxies.js';

export type { OutboundProxy } from '../config/parse-outbound-proxies.js';

/**
 * A call that failed at its outbound proxy: the proxy could not be reached, refused, asked for
 * credentials (407), or could not open the tunnel to Google. Not the key's doing, nor Google's. Its
 * message names the proxy as `scheme://host:port`, never its credentials, and holds no other error:
 * the socks package's errors carry the proxy's password in their options.
 */
export class OutboundProxyError extends Error {
  override readonly name = 'OutboundProxyError';
  /** `describeNetworkError` reads it as the proxy's failure. */
  readonly code = 'GEMGATE_PROXY_FAILED';

  constructor(
    /** `scheme://host:port`. */
    readonly proxy: string,
    reason: string,
  ) {
    super(`The outbound proxy ${proxy} failed: ${reason}.`);
  }
}

/** What opens the gateway's connections to an origin through one proxy, in undici's terms. */
export interface ProxyConnector {
  readonly proxy: OutboundProxy;
  readonly connect: buildConnector.connector;
  /** Closes what the connector keeps (the connection pool to an HTTP proxy). */
  close(): Promise<void>;
}

const seconds = (ms: number) => ms / 1000;

/** Why a connection to the proxy itself failed, in words that hold no address but the proxy's. */
function describeReachFailure(error: unknown, connectMs: number): string {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'it refused the connection (ECONNREFUSED)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `its host name did not resolve (${code})`;
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no connection to it within ${seconds(connectMs)} s (CONNECT_TIMEOUT_SECONDS)`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `it did not answer CONNECT within ${seconds(connectMs)} s (CONNECT_TIMEOUT_SECONDS)`;
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return `it closed the connection (${code})`;
    default:
      return code ? `the connection to it failed (${code})` : 'the connection to it failed';
  }
}

/** Reads a port from undici's connect options: empty means the scheme's own. */
const portOf = (options: buildConnector.Options) =>
  Number(options.port) || (options.protocol === 'https:' ? 443 : 80);

/** An origin's host as a proxy is asked for it: an IPv6 address in brackets, as in a URL. */
const hostOf = (hostname: string) =>
  hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;

/**
 * The connector for calls through `proxy`: opens a tunnel to the origin asked for (HTTP CONNECT, or
 * SOCKS5 CONNECT with the proxy resolving the name), then TLS to Google through it for an https
 * origin. The proxy sees `host:port` only: the request, its headers and the key travel inside the
 * tunnel, encrypted end to end when BASE_URL is https. Each step is bounded by `connectMs`; a
 * failure of the proxy's own steps rejects with `OutboundProxyError`.
 */
export function createProxyConnector(proxy: OutboundProxy, connectMs: number): ProxyConnector {
  // TLS to the origin over the tunnel: undici's own connector (session reuse, keep-alive, ALPN).
  const secure = buildConnector({ timeout: connectMs });
  const finish = (socket: Socket, options: buildConnector.Options, callback: buildConnector.Callback) => {
    if (options.protocol !== 'https:') {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      callback(null, socket);
      return;
    }
    secure({ ...options, httpSocket: socket }, callback);
  };
  const fail = (callback: buildConnector.Callback, reason: string) =>
    callback(new OutboundProxyError(proxy.label, reason), null);

  if (proxy.scheme === 'socks5') {
    const credentials = proxy.username === '' ? {} : { userId: proxy.username, password: proxy.password };
    return {
      proxy,
      connect(options, callback) {
        SocksClient.createConnection({
          proxy: { host: proxy.host, port: proxy.port, type: 5, ...credentials },
          command: 'connect',
          destination: { host: options.hostname.replace(/^\[|\]$/g, ''), port: portOf(options) },
          timeout: connectMs,
        }).then(
          ({ socket }) => finish(socket, options, callback),
          (error: Error) => {
            // The socks package's messages are its own constants or Node's socket errors; the
            // credentials are scrubbed all the same, in case a later version quotes its options.
            let reason =
              error.message === 'Proxy connection timed out'
                ? `no SOCKS5 tunnel within ${seconds(connectMs)} s (CONNECT_TIMEOUT_SECONDS)`
                : /\bECONNREFUSED\b/.test(error.message)
                  ? 'it refused the connection (ECONNREFUSED)'
                  : `SOCKS5: ${error.message}`;
            for (const secret of [proxy.password, proxy.username])
              if (secret !== '') reason = reason.replaceAll(secret, '…');
            fail(callback, reason);
          },
        );
      },
      close: async () => {},
    };
  }

  // HTTP CONNECT, over plain TCP or TLS to the proxy: undici speaks it to the proxy's origin and
  // hands back the tunnel's socket.
  const proxyOrigin = `${proxy.scheme}://${hostOf(proxy.host)}:${proxy.port}`;
  const toProxy = new Pool(proxyOrigin, {
    connect: buildConnector({ timeout: connectMs }),
    headersTimeout: connectMs,
  });
  const authorization =
    proxy.username === '' && proxy.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64')}`;
  return {
    proxy,
    connect(options, callback) {
      const target = `${hostOf(options.hostname)}:${portOf(options)}`;
      const headers: Record<string, string> = { host: target };
      if (authorization) headers['proxy-authorization'] = authorization;
      toProxy.connect({ path: target, headers }).then(
        ({ statusCode, socket }) => {
          if (statusCode === 200) {
            // undici hands the upgraded connection's socket over as it is: a net (or TLS) Socket.
            finish(socket as Socket, options, callback);
            return;
          }
          socket.on('error', () => {}).destroy();
          fail(
            callback,
            statusCode === 407
              ? 'it answered CONNECT with 407 Proxy Authentication Required (check the user name and password in PROXIES)'
              : `it answered CONNECT with ${statusCode}`,
          );
        },
        (error: unknown) => fail(callback, describeReachFailure(error, connectMs)),
      );
    },
    close: () => toProxy.close(),
  };
}

/**
 * The proxy a key's calls go by: with `perKey`, always the same one for a key, from a stable hash
 * of its id (FNV-1a; never the key itself), so every instance and every restart agree; otherwise
 * one at random per call. Pure, allocation-free: it runs for every call.
 */
export function chooseProxyIndex(
  keyId: string,
  count: number,
  perKey: boolean,
  random: () => number,
): number {
  if (count <= 1) return 0;
  if (!perKey) return Math.floor(random() * count) % count;
  let hash = 0x811c9dc5;
  for (let index = 0; index < keyId.length; index += 1) {
    hash ^= keyId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/**
 * The proxy a call takes when the one chosen for it (`index`) may be resting (`restingUntil`
 * gives when a proxy's rest ends, undefined when it serves). By key, the next proxy in order that
 * serves: a key's detour is stable, and it returns to its own proxy when the rest ends. At random,
 * any proxy that serves. When every proxy rests, the one back first: never straight to Google,
 * since the proxies are there to hide the gateway's address.
 */
export function avoidRestingProxy(
  index: number,
  count: number,
  restingUntil: (index: number) => number | undefined,
  perKey: boolean,
  random: () => number,
): number {
  let until = restingUntil(index);
  if (until === undefined) return index;
  let first = index;
  let firstUntil = until;
  const serving: number[] = [];
  for (let step = 1; step < count; step += 1) {
    const next = (index + step) % count;
    until = restingUntil(next);
    if (until === undefined) {
      if (perKey) return next;
      serving.push(next);
    } else if (until < firstUntil) {
      first = next;
      firstUntil = until;
    }
  }
  if (serving.length === 0) return first;
  return serving[Math.floor(random() * serving.length) % serving.length] as number;
}
