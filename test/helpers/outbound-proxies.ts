import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { createKeyIdentity } from '../../src/core/key-identity.js';
import { chooseProxyIndex } from '../../src/upstream/outbound-proxy.js';

/**
 * Real outbound proxies for tests: an HTTP proxy (CONNECT tunnels and absolute-URI forwarding) and
 * a SOCKS5 proxy (no auth, or user name and password), each on a port of its own, each recording
 * what it saw. The upstream in tests is plain HTTP, so a proxy can also read the calls inside its
 * tunnels: which keys went by it, and how many calls.
 */
export interface TestProxy {
  /** `http://127.0.0.1:port` or `socks5://127.0.0.1:port`, with the credentials it requires when it requires some. */
  readonly url: string;
  /** The same without credentials: how the gateway must name it. */
  readonly label: string;
  /** TCP connections accepted. */
  connections: number;
  /** CONNECT requests (HTTP proxy) or SOCKS5 CONNECT commands answered. */
  readonly tunnels: { target: string; headers?: IncomingHttpHeaders }[];
  /** Absolute-URI requests forwarded (HTTP proxy). */
  readonly forwarded: { url: string; headers: IncomingHttpHeaders }[];
  /** The credentials clients offered: `user:password`, decoded. */
  readonly offeredCredentials: string[];
  /** The API keys of the calls that went through the proxy, one entry per call. */
  keysSeen(): string[];
  close(): Promise<void>;
}

export interface TestProxyOptions {
  /** Credentials the proxy requires; without them, or with others, it refuses (407, SOCKS auth failure). */
  readonly user?: string;
  readonly password?: string;
  /**
   * `host:port` every CONNECT tunnel goes to, whatever it asks for (HTTP proxy): the test's stand-in
   * for Google as seen from this proxy's address, which may answer otherwise than from another's.
   */
  readonly tunnelTo?: string;
}

const keyPattern = /x-goog-api-key: *([^\r\n]+)/gi;

function pipeTogether(client: Socket, upstream: Socket, sniffed: string[]): void {
  const index = sniffed.push('') - 1;
  client.on('data', (chunk: Buffer) => {
    sniffed[index] += chunk.toString('latin1');
  });
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
}

function keysIn(sniffed: readonly string[]): string[] {
  return sniffed.flatMap((text) => [...text.matchAll(keyPattern)].map((match) => (match[1] ?? '').trim()));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

const credentialsIn = (user?: string, password?: string) =>
  user === undefined ? '' : `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@`;

export async function startHttpProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const sniffed: string[] = [];
  const sockets = new Set<Socket>();
  const expected =
    options.user === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
  const server = createHttpServer();
  const authorised = (headers: IncomingHttpHeaders) => {
    const offered = headers['proxy-authorization'];
    if (typeof offered === 'string' && offered.startsWith('Basic '))
      proxy.offeredCredentials.push(Buffer.from(offered.slice(6), 'base64').toString('utf8'));
    return expected === undefined || offered === expected;
  };
  server.on('connection', (socket: Socket) => {
    proxy.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const target = request.url ?? '';
    proxy.tunnels.push({ target, headers: request.headers });
    if (!authorised(request.headers)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const destination = options.tunnelTo ?? target;
    const colon = destination.lastIndexOf(':');
    const upstream = connect(
      Number(destination.slice(colon + 1)),
      destination.slice(0, colon).replace(/^\[|\]$/g, ''),
    );
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      pipeTogether(client, upstream, sniffed);
    });
    upstream.once('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
  });
  server.on('request', (request, response) => {
    const url = request.url ?? '';
    if (!authorised(request.headers)) {
      response.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    proxy.forwarded.push({ url, headers: request.headers });
    const key = request.headers['x-goog-api-key'];
    if (typeof key === 'string') sniffed.push(`x-goog-api-key: ${key}\r\n`);
    const { 'proxy-authorization': _dropped, ...headers } = request.headers;
    const outgoing = httpRequest(url, { method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.on('error', () => response.writeHead(502).end());
    request.pipe(outgoing);
  });
  const port = await listen(server);
  const label = `http://127.0.0.1:${port}`;
  const proxy: TestProxy = {
    url: `http://${credentialsIn(options.user, options.password)}127.0.0.1:${port}`,
    label,
    connections: 0,
    tunnels: [],
    forwarded: [],
    offeredCredentials: [],
    keysSeen: () => keysIn(sniffed),
    close: () => closeServer(server, sockets),
  };
  return proxy;
}

/** Reads exactly `size` bytes from a socket in paused mode, or undefined if it ends first. */
function createReader(socket: Socket) {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let ended = false;
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  };
  const onEnd = () => {
    ended = true;
    waiting?.();
  };
  socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onEnd);
  return {
    async read(size: number): Promise<Buffer | undefined> {
      while (buffered.length < size) {
        if (ended) return undefined;
        await new Promise<void>((resolve) => {
          waiting = resolve;
        });
        waiting = undefined;
      }
      const out = buffered.subarray(0, size);
      buffered = buffered.subarray(size);
      return out;
    },
    /** Stops reading; returns what arrived beyond the handshake. */
    detach(): Buffer {
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onEnd);
      return buffered;
    },
  };
}

/** A SOCKS5 proxy (RFC 1928, RFC 1929 user/password): CONNECT only. */
export async function startSocksProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const sniffed: string[] = [];
  const sockets = new Set<Socket>();
  const requiresAuth = options.user !== undefined;
  const server = createServer((client) => {
    proxy.connections += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    void handshake(client);
  });
  async function handshake(client: Socket): Promise<void> {
    const reader = createReader(client);
    const greeting = await reader.read(2);
    if (greeting?.[0] !== 5) return void client.destroy();
    const methods = await reader.read(greeting[1] ?? 0);
    if (!methods) return void client.destroy();
    const method = requiresAuth ? 0x02 : 0x00;
    if (!methods.includes(method)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, method]));
    if (requiresAuth) {
      const version = await reader.read(2);
      if (!version) return void client.destroy();
      const user = (await reader.read(version[1] ?? 0))?.toString('utf8') ?? '';
      const passwordLength = await reader.read(1);
      const password = (await reader.read(passwordLength?.[0] ?? 0))?.toString('utf8') ?? '';
      proxy.offeredCredentials.push(`${user}:${password}`);
      const ok = user === options.user && password === (options.password ?? '');
      client.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) return void client.end();
    }
    const request = await reader.read(4);
    if (request?.[1] !== 1) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
    let host: string;
    if (request[3] === 1) host = [...((await reader.read(4)) ?? [])].join('.');
    else if (request[3] === 3) {
      const length = (await reader.read(1))?.[0] ?? 0;
      host = (await reader.read(length))?.toString('latin1') ?? '';
    } else if (request[3] === 4) {
      const bytes = (await reader.read(16)) ?? Buffer.alloc(16);
      host = Array.from({ length: 8 }, (_, index) => bytes.readUInt16BE(index * 2).toString(16)).join(':');
    } else return void client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
    const portBytes = await reader.read(2);
    if (!portBytes) return void client.destroy();
    const port = portBytes.readUInt16BE(0);
    proxy.tunnels.push({ target: `${host}:${port}` });
    const upstream = connect(port, host);
    upstream.once('connect', () => {
      client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
      const rest = reader.detach();
      if (rest.length > 0) {
        sniffed.push(rest.toString('latin1'));
        upstream.write(rest);
      }
      pipeTogether(client, upstream, sniffed);
    });
    upstream.once('error', () => {
      if (client.writable) client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
    });
  }
  const port = await listen(server);
  const proxy: TestProxy = {
    url: `socks5://${credentialsIn(options.user, options.password)}127.0.0.1:${port}`,
    label: `socks5://127.0.0.1:${port}`,
    connections: 0,
    tunnels: [],
    forwarded: [],
    offeredCredentials: [],
    keysSeen: () => keysIn(sniffed),
    close: () => closeServer(server, sockets),
  };
  return proxy;
}

/** A port nothing listens on: a proxy there refuses every connection. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `count` keys the fake treats as healthy whose ids hash to proxy `index` of `of`. */
export function keysFor(index: number, count: number, of: number, tag: string): string[] {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n += 1) {
    const key = `ok-proxied-${tag}-key-${n}-0123456789`;
    if (chooseProxyIndex(createKeyIdentity(key).id, of, true, Math.random) === index) keys.push(key);
  }
  return keys;
}
