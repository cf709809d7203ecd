import { parseList } from './parse-list.js';

/** One outbound proxy of PROXIES, taken apart. */
export interface OutboundProxy {
  readonly scheme: 'http' | 'https' | 'socks5';
  /** As a socket connects to it: an IPv6 address without its brackets. */
  readonly host: string;
  readonly port: number;
  /** Decoded; empty when the proxy asks for none. */
  readonly username: string;
  readonly password: string;
  /** `scheme://host:port`, never the credentials: how logs, errors and the operator API name it. */
  readonly label: string;
}

const defaultPorts = { http: 80, https: 443, socks5: 1080 } as const;
const schemes: Readonly<Record<string, OutboundProxy['scheme']>> = {
  'http:': 'http',
  'https:': 'https',
  'socks5:': 'socks5',
  // The proxy resolves the host name either way: Google's address is never looked up here.
  'socks5h:': 'socks5',
};
const expected = 'expected http://, https:// or socks5://[user:password@]host:port';

/**
 * One proxy's URL taken apart, or a problem that names the proxy by its label at most (the URL may
 * hold a password).
 */
export function describeOutboundProxy(text: string): OutboundProxy {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL (${expected})`);
  }
  const scheme = schemes[url.protocol];
  // Not repeated: in `user:password@host:port` the user name is what a URL calls the scheme.
  if (!scheme) throw new Error(`not a proxy's scheme (${expected})`);
  const hostname = url.hostname;
  if (hostname === '') throw new Error(`no host (${expected})`);
  const port = url.port === '' ? defaultPorts[scheme] : Number(url.port);
  const label = `${scheme}://${hostname}:${port}`;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    throw new Error(`${label}: a proxy is scheme://[user:password@]host:port, with no path or query`);
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new Error(`${label}: the user name or password has a malformed %-escape`);
  }
  if (scheme === 'socks5' && (Buffer.byteLength(username) > 255 || Buffer.byteLength(password) > 255))
    throw new Error(`${label}: a SOCKS5 user name and password are at most 255 bytes each`);
  if (scheme === 'socks5' && password !== '' && username === '')
    throw new Error(`${label}: a SOCKS5 password needs a user name`);
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return { scheme, host, port, username, password, label };
}

/**
 * PROXIES: the outbound proxies upstream calls go through, as gemini-balance wrote them:
 * `http://[user:password@]host:port`, `https://…` or `socks5://…`, a JSON array or comma list.
 * Each is checked; the list is kept as written. A problem names the entry's place and its
 * `scheme://host:port` at most, never the entry: it may hold a password.
 */
export function parseOutboundProxies(text: string): string[] {
  const entries = parseList(text);
  const labels = new Map<string, number>();
  entries.forEach((entry, index) => {
    let proxy: OutboundProxy;
    try {
      proxy = describeOutboundProxy(entry);
    } catch (error) {
      throw new Error(`entry ${index + 1}: ${(error as Error).message}`);
    }
    const earlier = labels.get(proxy.label);
    if (earlier !== undefined)
      throw new Error(`entry ${index + 1}: ${proxy.label} is entry ${earlier} already`);
    labels.set(proxy.label, index + 1);
  });
  return entries;
}
