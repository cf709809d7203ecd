import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { type Gateway, startGateway } from '../src/start-gateway.js';
import { createDatabase } from '../src/storage/create-database.js';

// Sign-in for the console, against a real gateway on SQLite, whose clock the test moves.
const adminToken = 'admin-token-for-sign-in-tests';
const clientToken = 'sk-client-token-for-sign-in';

let directory: string;
let fake: FakeUpstream;
let nowMs: number;
const open: Gateway[] = [];

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'gemgate-sign-in-'));
  fake = await createFakeUpstream();
  nowMs = Date.UTC(2026, 11, 6, 12);
});

afterEach(async () => {
  for (const gateway of open.splice(0)) await gateway.close();
  await fake.close();
  rmSync(directory, { recursive: true, force: true });
});

async function start(settings: Record<string, string> = {}): Promise<Gateway> {
  const parsed = parseSettings({
    API_KEYS: 'ok-sign-in-key-1,ok-sign-in-key-2',
    ALLOWED_TOKENS: clientToken,
    AUTH_TOKEN: adminToken,
    BASE_URL: `${fake.url}/v1beta`,
    SQLITE_DATABASE: join(directory, 'gemgate.db'),
    PORT: '0',
    HOST: '127.0.0.1',
    CHECK_INTERVAL_HOURS: '0',
    ...settings,
  });
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const gateway = await startGateway(parsed, { logDestination: quiet, clock: { now: () => nowMs } });
  open.push(gateway);
  return gateway;
}

async function closeAll() {
  for (const gateway of open.splice(0)) await gateway.close();
}

function signIn(gateway: Gateway, token: string, headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });
}

/** The cookie's `name=value`, and its attributes. */
function cookieOf(response: Response): { pair: string; attributes: string[] } {
  const [pair = '', ...attributes] = (response.headers.get('set-cookie') ?? '')
    .split(';')
    .map((part) => part.trim());
  return { pair, attributes };
}

async function session(gateway: Gateway): Promise<string> {
  const response = await signIn(gateway, adminToken);
  expect(response.status).toBe(200);
  return cookieOf(response).pair;
}

// Every route of the operator API, with a body that would be accepted: refusals must come from the
// guard, not from the route.
const routes: { method: string; path: string; body?: unknown }[] = [
  { method: 'POST', path: '/api/auth/logout' },
  { method: 'GET', path: '/api/config' },
  { method: 'GET', path: '/api/pool' },
  { method: 'PUT', path: '/api/config', body: { values: { MAX_RETRIES: '4' } } },
  { method: 'GET', path: '/api/config/MAX_RETRIES/value' },
  { method: 'DELETE', path: '/api/config/MAX_RETRIES' },
  { method: 'GET', path: '/api/keys' },
  { method: 'GET', path: '/api/keys?state=refused&sort=failures&order=desc&limit=10' },
  { method: 'GET', path: '/api/keys/export?state=active&format=json' },
  { method: 'POST', path: '/api/keys', body: { keys: ['ok-sign-in-key-3'] } },
  { method: 'GET', path: '/api/keys/0000000000000000' },
  { method: 'GET', path: '/api/keys/0000000000000000/secret' },
  { method: 'DELETE', path: '/api/keys/0000000000000000' },
  { method: 'POST', path: '/api/keys/remove', body: { ids: ['0000000000000000'] } },
  { method: 'POST', path: '/api/keys/import', body: { text: `AIza${'k'.repeat(35)}` } },
  { method: 'POST', path: '/api/keys/verify', body: { ids: [] } },
  { method: 'POST', path: '/api/keys/enable', body: { ids: [] } },
  { method: 'POST', path: '/api/keys/disable', body: { ids: [] } },
  { method: 'POST', path: '/api/keys/clear-cooldown', body: { ids: [] } },
  { method: 'POST', path: '/api/keys/0000000000000000/enable' },
  { method: 'GET', path: '/api/stats/summary' },
  { method: 'GET', path: '/api/stats/series?range=1h&by=model' },
  { method: 'GET', path: '/api/stats/breakdown?by=outcome' },
  { method: 'GET', path: '/api/logs/requests?limit=5' },
  { method: 'GET', path: '/api/logs/requests/1' },
  { method: 'GET', path: '/api/logs/requests/export?format=csv' },
  { method: 'POST', path: '/api/logs/requests/delete', body: { all: true } },
  { method: 'DELETE', path: '/api/logs/requests/1' },
  { method: 'GET', path: '/api/logs/errors?outcome=quota-day' },
  { method: 'GET', path: '/api/logs/errors/1' },
  { method: 'GET', path: '/api/logs/errors/export' },
  { method: 'POST', path: '/api/logs/errors/delete', body: { ids: [1] } },
  { method: 'DELETE', path: '/api/logs/errors/1' },
  { method: 'POST', path: '/api/keys/0000000000000000/verify' },
  { method: 'PUT', path: '/api/keys/0000000000000000/meta', body: { note: 'n', tags: ['t'] } },
  { method: 'POST', path: '/api/keys/verify', body: { state: 'refused' } },
  { method: 'POST', path: '/api/keys/delete-refused', body: {} },
  { method: 'POST', path: '/api/keys/find', body: { key: 'ok-sign-in-key-3' } },
  { method: 'GET', path: '/api/keys?id=0000000000000000' },
  { method: 'GET', path: '/api/jobs/AAAAAAAAAAAA' },
  { method: 'GET', path: '/api/no-such-route' },
  // The Prometheus metrics are the operator's too (unless METRICS_PORT serves them apart).
  { method: 'GET', path: '/metrics' },
  { method: 'POST', path: '/api/stats/summary' },
];

function call(gateway: Gateway, route: (typeof routes)[number], headers: Record<string, string>) {
  return fetch(`${gateway.url}${route.path}`, {
    method: route.method,
    headers: route.body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });
}

describe('the operator API', () => {
  it('answers 401 on every route without the admin token or a live session', async () => {
    const gateway = await start({ ADMIN_SESSION_EXPIRE: '600' });
    const cookie = await session(gateway);
    nowMs += 600_000;
    const refused: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${clientToken}` },
      { authorization: `Bearer ${adminToken}x` },
      { 'x-goog-api-key': adminToken },
      { cookie },
      { cookie: 'gemgate_session=forged-value' },
      // A Bearer decides alone: a wrong one is not rescued by a cookie.
      { authorization: `Bearer ${clientToken}`, cookie: await session(gateway) },
    ];
    for (const route of routes) {
      for (const headers of refused) {
        const response = await call(gateway, route, headers);
        expect(response.status, `${route.method} ${route.path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 401 } });
      }
    }
  });

  it('lets a session through, and refuses its changes from another origin (a form posted elsewhere)', async () => {
    const gateway = await start();
    const own = new URL(gateway.url).origin;
    for (const route of routes) {
      const cookie = await session(gateway);
      const label = `${route.method} ${route.path}`;
      const crossSite = await fetch(`${gateway.url}${route.path}`, {
        method: route.method,
        headers: {
          cookie,
          origin: 'https://evil.example',
          'content-type': 'application/x-www-form-urlencoded',
        },
        ...(route.method === 'GET' ? {} : { body: 'a=b' }),
      });
      if (route.method === 'GET') expect(crossSite.status, label).not.toBe(403);
      else expect(crossSite.status, label).toBe(403);
      const sameOrigin = await call(gateway, route, { cookie, origin: own });
      expect([401, 403], label).not.toContain(sameOrigin.status);
      const script = await call(gateway, route, {
        authorization: `Bearer ${adminToken}`,
        origin: 'https://evil.example',
      });
      expect([401, 403], label).not.toContain(script.status);
    }
  });

  it('signs in with the admin token: an HttpOnly, SameSite=Strict cookie, stored only as a hash', async () => {
    const gateway = await start({ ADMIN_SESSION_EXPIRE: '900' });
    const response = await signIn(gateway, adminToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      signedIn: true,
      expiresAt: new Date(nowMs + 900_000).toISOString(),
    });
    const { pair, attributes } = cookieOf(response);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=900', 'Path=/api', 'SameSite=Strict']);
    const value = pair.replace(/^gemgate_session=/, '');
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await gateway.database.db.selectFrom('admin_session').selectAll().execute();
    expect(rows.map((row) => row.id_hash)).toEqual([createHash('sha256').update(value).digest('hex')]);
    expect(JSON.stringify(rows)).not.toContain(value);
    expect(JSON.stringify(rows)).not.toContain(adminToken);

    const state = await fetch(`${gateway.url}/api/auth/session`, { headers: { cookie: pair } });
    expect(await state.json()).toEqual({
      signedIn: true,
      via: 'session',
      expiresAt: new Date(nowMs + 900_000).toISOString(),
    });
    const byToken = await fetch(`${gateway.url}/api/auth/session`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(await byToken.json()).toEqual({ signedIn: true, via: 'token' });
    // Anyone may ask, and learns no more than that they are not signed in.
    const outsiders: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${clientToken}` },
      { cookie: 'gemgate_session=forged' },
    ];
    for (const headers of outsiders) {
      const outsider = await fetch(`${gateway.url}/api/auth/session`, { headers });
      expect(outsider.status).toBe(200);
      expect(await outsider.json()).toEqual({ signedIn: false });
    }

    // Behind a TLS-terminating proxy the cookie is Secure.
    const overHttps = await signIn(gateway, adminToken, { 'x-forwarded-proto': 'https' });
    expect(cookieOf(overHttps).attributes).toContain('Secure');
  });

  it('refuses a wrong token, a client token, a malformed body, and a sign-in posted from another origin', async () => {
    const gateway = await start();
    expect((await signIn(gateway, `${adminToken} `)).status).toBe(401);
    expect((await signIn(gateway, clientToken)).status).toBe(401);
    const malformed = await fetch(`${gateway.url}/api/auth/login`, { method: 'POST', body: 'token=x' });
    expect(malformed.status).toBe(400);
    const crossSite = await signIn(gateway, adminToken, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
    for (const response of [await signIn(gateway, 'wrong'), crossSite]) {
      expect(JSON.stringify(await response.json())).not.toContain(adminToken);
    }
  });

  it('answers hostile sign-in bodies with a 400 or 401 in its error shape, never echoing them', async () => {
    const gateway = await start();
    const send = (body: string | Buffer) =>
      fetch(`${gateway.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const hostile: [string | Buffer, number][] = [
      [JSON.stringify({ token: 5 }), 400],
      [JSON.stringify({ token: { value: adminToken } }), 400],
      [JSON.stringify({ token: [adminToken] }), 400],
      [JSON.stringify([adminToken]), 400],
      [`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, 400],
      [Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x7d]), 400],
      [JSON.stringify({ token: `${adminToken}${'x'.repeat(5_000_000)}` }), 401],
    ];
    for (const [body, status] of hostile) {
      const response = await send(body);
      expect(response.status).toBe(status);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: status } });
      expect(text).not.toContain(adminToken);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });

  it('throttles failed sign-ins per address, the right token included, until the window ends', async () => {
    const gateway = await start();
    for (let attempt = 0; attempt < 10; attempt++)
      expect((await signIn(gateway, `guess-${attempt}`)).status).toBe(401);
    const throttled = await signIn(gateway, adminToken);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBe(900);
    nowMs += 15 * 60_000;
    expect((await signIn(gateway, adminToken)).status).toBe(200);
  });

  it('throttles per client behind a trusted proxy, and ignores X-Forwarded-For from anyone else', async () => {
    const forwardedFor = (address: string) => ({ 'x-forwarded-for': address });
    const untrusting = await start();
    // Without TRUSTED_PROXIES a client cannot escape the throttle by naming another address.
    for (let attempt = 0; attempt < 10; attempt++)
      expect(
        (await signIn(untrusting, `guess-${attempt}`, forwardedFor(`203.0.113.${attempt}`))).status,
      ).toBe(401);
    expect((await signIn(untrusting, adminToken, forwardedFor('198.51.100.7'))).status).toBe(429);
    await closeAll();

    // Behind a proxy on loopback, each client is throttled on its own address.
    const behindProxy = await start({ TRUSTED_PROXIES: 'loopback' });
    for (let attempt = 0; attempt < 10; attempt++)
      expect((await signIn(behindProxy, `guess-${attempt}`, forwardedFor('203.0.113.9'))).status).toBe(401);
    expect((await signIn(behindProxy, adminToken, forwardedFor('203.0.113.9'))).status).toBe(429);
    expect((await signIn(behindProxy, adminToken, forwardedFor('198.51.100.7'))).status).toBe(200);
  });

  it('ends a session at its expiry, at sign-out, and when AUTH_TOKEN changes', async () => {
    const gateway = await start({ ADMIN_SESSION_EXPIRE: '300' });
    const sessionState = (cookie: string) =>
      fetch(`${gateway.url}/api/auth/session`, { headers: { cookie } })
        .then((response) => response.json())
        .then((body) => (body as { signedIn: boolean }).signedIn);
    const expiring = await session(gateway);
    nowMs += 299_999;
    expect(await sessionState(expiring)).toBe(true);
    nowMs += 1;
    expect(await sessionState(expiring)).toBe(false);

    const leaving = await session(gateway);
    const out = await fetch(`${gateway.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: leaving },
    });
    expect(out.status).toBe(200);
    expect(cookieOf(out)).toMatchObject({
      pair: 'gemgate_session=',
      attributes: expect.arrayContaining(['Max-Age=0']),
    });
    expect(await sessionState(leaving)).toBe(false);

    const kept = await session(gateway);
    await closeAll();
    const restarted = await start({ ADMIN_SESSION_EXPIRE: '300' });
    const state = (cookie: string) =>
      fetch(`${restarted.url}/api/auth/session`, { headers: { cookie } })
        .then((response) => response.json())
        .then((body) => (body as { signedIn: boolean }).signedIn);
    expect(await state(kept)).toBe(true);
    await closeAll();
    const changed = await start({ AUTH_TOKEN: 'another-admin-token-123' });
    const afterChange = await fetch(`${changed.url}/api/auth/session`, { headers: { cookie: kept } });
    expect(await afterChange.json()).toEqual({ signedIn: false });
    expect((await fetch(`${changed.url}/api/config`, { headers: { cookie: kept } })).status).toBe(401);
    expect((await signIn(changed, 'another-admin-token-123')).status).toBe(200);
  });

  it('opens sessions for ADMIN_SESSION_EXPIRE as saved through the API, without a restart', async () => {
    const gateway = await start();
    const saved = await fetch(`${gateway.url}/api/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ values: { ADMIN_SESSION_EXPIRE: 7200 } }),
    });
    expect(saved.status).toBe(200);
    expect(cookieOf(await signIn(gateway, adminToken)).attributes).toContain('Max-Age=7200');
    const tooShort = await fetch(`${gateway.url}/api/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ values: { ADMIN_SESSION_EXPIRE: 60 } }),
    });
    expect(tooShort.status).toBe(400);
  });
});

describe('a generated admin token', () => {
  it('is shown once and stored only as its digest, and still signs in after a restart', async () => {
    const first = await start({ AUTH_TOKEN: '' });
    const token = first.generatedAuthToken;
    expect(token).toMatch(/^gg-[A-Za-z0-9_-]{32}$/);
    await closeAll();
    const database = createDatabase(parseSettings({ SQLITE_DATABASE: join(directory, 'gemgate.db') }));
    const rows = await database.db.selectFrom('setting').selectAll().execute();
    await database.db.destroy();
    expect(rows.map((row) => [row.name, row.value])).toEqual([
      [
        'generated_auth_token_sha256',
        createHash('sha256')
          .update(token ?? '')
          .digest('hex'),
      ],
    ]);
    const second = await start({ AUTH_TOKEN: '' });
    expect(second.generatedAuthToken).toBeUndefined();
    expect((await signIn(second, token ?? '')).status).toBe(200);
    const keys = await fetch(`${second.url}/api/keys`, { headers: { authorization: `Bearer ${token}` } });
    expect(keys.status).toBe(200);
    // The admin token is a client token too.
    const models = await fetch(`${second.url}/v1beta/models`, { headers: { 'x-goog-api-key': token ?? '' } });
    expect(models.status).toBe(200);
  });
});
