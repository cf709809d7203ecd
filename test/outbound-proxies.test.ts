import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import {
  closedPort,
  keysFor,
  startHttpProxy,
  startSocksProxy,
  type TestProxy,
} from './helpers/outbound-proxies.js';
import { generateMany, type Stack, useStacks } from './helpers/start-stack.js';

// PROXIES end to end: a real HTTP proxy (CONNECT) and a real SOCKS5 proxy on local ports, the
// gateway and the fake upstream. The upstream is plain HTTP, so each proxy reads the calls in its
// tunnels and tells which key went by it.

const start = useStacks();
const adminToken = 'admin-token-for-tests';
const open: TestProxy[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((proxy) => proxy.close()));
});
const track = (proxy: TestProxy) => {
  open.push(proxy);
  return proxy;
};

async function admin(
  s: Stack,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = adminToken,
) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

interface KeyItem {
  readonly id: string;
  readonly status: string;
  readonly disabled: unknown;
  readonly lastError: { type: string; message: string } | null;
  readonly models: { restingUntil: string | null }[];
}

async function keyItems(s: Stack): Promise<{ text: string; items: Map<string, KeyItem> }> {
  const { status, text } = await admin(s, 'GET', '/api/keys');
  expect(status).toBe(200);
  const { items } = JSON.parse(text) as { items: KeyItem[] };
  return { text, items: new Map(items.map((item) => [item.id, item])) };
}

const idOf = (key: string) => createKeyIdentity(key).id;
const generationKeys = (s: Stack) =>
  s.fake.requests.filter((request) => request.method === 'POST').map((request) => request.key);

describe('outbound proxies (PROXIES)', () => {
  it('sends every call through the proxies, each key always by the same one, the key never shown to the proxy', async () => {
    const http = track(await startHttpProxy());
    const socks = track(await startSocksProxy());
    const viaHttp = keysFor(0, 2, 2, 'a');
    const viaSocks = keysFor(1, 2, 2, 'a');
    const s = await start({
      API_KEYS: [...viaHttp, ...viaSocks].join(','),
      PROXIES: `${http.url},${socks.url}`,
    });

    expect(await generateMany(s, 24)).toEqual(Array(24).fill(200));

    // Every call the upstream received came through one of the proxies.
    const seen = [...http.keysSeen(), ...socks.keysSeen()];
    expect(seen.length).toBe(s.fake.requests.length);
    expect(generationKeys(s)).toHaveLength(24);
    // A key goes by its proxy only, every time; the two proxies served different keys.
    expect(new Set(http.keysSeen())).toEqual(new Set(viaHttp));
    expect(new Set(socks.keysSeen())).toEqual(new Set(viaSocks));
    // Tunnels to the upstream's host:port; keep-alive: far fewer tunnels than calls.
    const upstream = new URL(s.fake.url).host;
    expect(http.tunnels.map((tunnel) => tunnel.target)).toContain(upstream);
    expect(socks.tunnels.map((tunnel) => tunnel.target)).toContain(upstream);
    expect(http.tunnels.length + socks.tunnels.length).toBeLessThan(24);
    // The proxy sees CONNECT host:port and its own headers: never a key, never a forwarded request.
    expect(http.forwarded).toEqual([]);
    const connectRequests = JSON.stringify(http.tunnels);
    for (const key of [...viaHttp, ...viaSocks]) expect(connectRequests).not.toContain(key);
  });

  it('spreads one key’s calls over the proxies when hashing by key is off', async () => {
    const http = track(await startHttpProxy());
    const socks = track(await startSocksProxy());
    const [key] = keysFor(0, 1, 2, 'b');
    const s = await start({
      API_KEYS: key as string,
      PROXIES: JSON.stringify([http.url, socks.url]),
      PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: 'false',
    });
    expect(await generateMany(s, 40)).toEqual(Array(40).fill(200));
    expect(http.keysSeen().length).toBeGreaterThan(3);
    expect(socks.keysSeen().length).toBeGreaterThan(3);
    expect(http.keysSeen().length + socks.keysSeen().length).toBe(40);
  });

  it('retries a call its proxy refused on another key, names the proxy in the key’s last error, and never switches the key off', async () => {
    const port = await closedPort();
    const deadLabel = `http://127.0.0.1:${port}`;
    const socks = track(await startSocksProxy());
    const [doomed] = keysFor(0, 1, 2, 'c');
    const [healthy] = keysFor(1, 1, 2, 'c');
    const s = await start({
      API_KEYS: `${doomed},${healthy}`,
      PROXIES: `http://dead-user:dead-proxy-pass@127.0.0.1:${port},${socks.url}`,
    });

    expect(await generateMany(s, 8)).toEqual(Array(8).fill(200));
    // Only the key behind the working proxy reached Google.
    expect(new Set(generationKeys(s))).toEqual(new Set([healthy]));

    const { text, items } = await keyItems(s);
    const item = items.get(idOf(doomed as string));
    expect(item?.status).toBe('active');
    expect(item?.disabled).toBeNull();
    expect(item?.lastError?.type).toBe('proxy');
    expect(item?.lastError?.message).toContain(deadLabel);
    expect(item?.lastError?.message).toContain('ECONNREFUSED');
    // A short rest at most, as after Google's own trouble (10 s and its jitter), never a long one.
    for (const model of item?.models ?? [])
      if (model.restingUntil) expect(Date.parse(model.restingUntil) - Date.now()).toBeLessThan(16_000);
    expect(items.get(idOf(healthy as string))?.lastError).toBeNull();
    expect(text).not.toContain('dead-proxy-pass');
    expect(text).not.toContain('dead-user');

    await s.gateway.logWriter.flush();
    const errors = await s.gateway.database.db.selectFrom('error_log').selectAll().execute();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((row) => row.error_type)).toEqual(errors.map(() => 'proxy'));
    expect(errors.map((row) => row.status)).toEqual(errors.map(() => null));
    expect(JSON.stringify(errors)).not.toContain('dead-proxy-pass');
  });

  it('gives up on a proxy that accepts a connection but never answers CONNECT, within CONNECT_TIMEOUT_SECONDS', async () => {
    const held = new Set<Socket>();
    const silent = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentLabel = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const socks = track(await startSocksProxy());
      const [stuck] = keysFor(0, 1, 2, 'e');
      const [healthy] = keysFor(1, 1, 2, 'e');
      const s = await start({
        API_KEYS: `${stuck},${healthy}`,
        PROXIES: `${silentLabel},${socks.url}`,
        CONNECT_TIMEOUT_SECONDS: '0.3',
      });
      const startedMs = Date.now();
      expect(await generateMany(s, 4)).toEqual([200, 200, 200, 200]);
      // At most one wait for the silent proxy per request, never TIME_OUT's minutes.
      expect(Date.now() - startedMs).toBeLessThan(20_000);
      expect(held.size).toBeGreaterThan(0);
      const item = (await keyItems(s)).items.get(idOf(stuck as string));
      expect(item?.lastError?.type).toBe('proxy');
      expect(item?.lastError?.message).toContain(silentLabel);
      expect(item?.lastError?.message).toContain('did not answer CONNECT within 0.3 s');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('hands each proxy its credentials, names a proxy that refuses them (407), and writes no password anywhere', async () => {
    const http = track(await startHttpProxy({ user: 'http-user', password: 'http-proxy-secret-1' }));
    const socks = track(await startSocksProxy({ user: 'socks-user', password: 'socks-proxy-secret-2' }));
    const picky = track(await startHttpProxy({ user: 'picky-user', password: 'the-right-one' }));
    const wrongUrl = `http://picky-user:wrong-proxy-secret-3@${new URL(picky.label).host}`;
    const keys = [0, 1, 2].map((index) => keysFor(index, 1, 3, 'd')[0] as string);
    const s = await start({ API_KEYS: keys.join(','), PROXIES: `${http.url},${socks.url},${wrongUrl}` });

    expect(await generateMany(s, 9)).toEqual(Array(9).fill(200));
    expect(http.offeredCredentials).toContain('http-user:http-proxy-secret-1');
    expect(socks.offeredCredentials).toContain('socks-user:socks-proxy-secret-2');
    expect(picky.offeredCredentials).toContain('picky-user:wrong-proxy-secret-3');
    expect(new Set(http.keysSeen())).toEqual(new Set([keys[0]]));
    expect(new Set(socks.keysSeen())).toEqual(new Set([keys[1]]));
    expect(picky.keysSeen()).toEqual([]);

    const { text: keysText, items } = await keyItems(s);
    const refused = items.get(idOf(keys[2] as string));
    expect(refused?.lastError?.type).toBe('proxy');
    expect(refused?.lastError?.message).toContain(picky.label);
    expect(refused?.lastError?.message).toContain('407');
    expect(refused?.status).toBe('active');

    const configText = (await admin(s, 'GET', '/api/config')).text;
    expect(configText).toContain('"PROXIES"');
    await s.gateway.logWriter.flush();
    const rows = JSON.stringify(await s.gateway.database.db.selectFrom('error_log').selectAll().execute());
    const everything = [s.logLines.join(''), keysText, configText, rows].join('\n');
    for (const secret of [
      'http-proxy-secret-1',
      'socks-proxy-secret-2',
      'wrong-proxy-secret-3',
      'the-right-one',
    ])
      expect(everything).not.toContain(secret);
    // The log lines did record the failures, by the proxy's name.
    expect(rows).toContain(picky.label);
  });

  it('checks each proxy on POST /api/proxies/check: one that works, one that refuses, no credentials shown', async () => {
    const socks = track(await startSocksProxy({ user: 'check-user', password: 'check-proxy-secret' }));
    const port = await closedPort();
    const s = await start({
      PROXIES: `${socks.url},https://gone-user:gone-proxy-secret@127.0.0.1:${port}`,
    });

    expect((await admin(s, 'POST', '/api/proxies/check', undefined, null)).status).toBe(401);
    const { status, text } = await admin(s, 'POST', '/api/proxies/check');
    expect(status).toBe(200);
    const { proxies } = JSON.parse(text) as {
      proxies: ({ proxy: string; ok: true; ms: number } | { proxy: string; ok: false; error: string })[];
    };
    expect(proxies).toHaveLength(2);
    expect(proxies[0]).toMatchObject({ proxy: socks.label, ok: true });
    expect(typeof (proxies[0] as { ms: number }).ms).toBe('number');
    expect(proxies[1]).toMatchObject({ proxy: `https://127.0.0.1:${port}`, ok: false });
    expect((proxies[1] as { error: string }).error).toContain('ECONNREFUSED');
    expect(text).not.toContain('secret');
    expect(text).not.toContain('-user');
    // It went to the upstream's origin, through the proxy, without a key.
    expect(socks.tunnels.map((tunnel) => tunnel.target)).toEqual([new URL(s.fake.url).host]);
    expect(socks.keysSeen()).toEqual([]);
    expect(s.fake.requests.filter((request) => request.key !== undefined)).toEqual([]);
  });

  it('follows PROXIES changed at run time: the next call goes through the new proxy', async () => {
    const http = track(await startHttpProxy());
    const s = await start({});
    expect(await generateMany(s, 2)).toEqual([200, 200]);
    expect(http.keysSeen()).toEqual([]);

    expect((await admin(s, 'PUT', '/api/config', { values: { PROXIES: http.url } })).status).toBe(200);
    expect(await generateMany(s, 3)).toEqual([200, 200, 200]);
    expect(http.keysSeen()).toHaveLength(3);

    const refused = await admin(s, 'PUT', '/api/config', {
      values: { PROXIES: 'http://ok:1, ftp://someone:refused-secret@host:21' },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('entry 2');
    expect(refused.text).not.toContain('refused-secret');

    expect((await admin(s, 'PUT', '/api/config', { values: { PROXIES: '' } })).status).toBe(200);
    expect(await generateMany(s, 2)).toEqual([200, 200]);
    expect(http.keysSeen()).toHaveLength(3);
  });
});
