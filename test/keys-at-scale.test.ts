import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { createFakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { startGateway } from '../src/start-gateway.js';
import { parseRawAnswer, rawExchange } from './helpers/raw-http.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Issue 9, deliverable 6: the operator API for a pool of many keys — a filtered, sorted, paged list
// with counts per state; verification as a background job; export by state; a note and tags per
// key; deleting every key Google refused. Through the real server, against the fake upstream.

const adminToken = 'admin-token-for-tests';
const start = useStacks();
const id = (secret: string) => createKeyIdentity(secret).id;

const settingsKeys = ['ok-alpha-settings-key', 'invalid-settings-key-01', 'quota-minute-settings-01'];
const runtimeKeys = ['ok-runtime-key-000001', 'invalid-runtime-key-0001'];

interface ListedKey {
  id: string;
  masked: string;
  source: string;
  state: string;
  note: string;
  tags: string[];
}
interface KeyList {
  items: ListedKey[];
  counts: Record<string, number>;
  matched: number;
  nextCursor: string | null;
}

async function admin(s: Stack, method: string, path: string, body?: unknown, base = s.url) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

async function list(s: Stack, query = ''): Promise<KeyList> {
  const response = await admin(s, 'GET', `/api/keys${query}`);
  expect(response.status, `${query}: ${response.text}`).toBe(200);
  return response.json();
}

async function finishedJob(s: Stack, jobId: string) {
  await expect
    .poll(async () => (await admin(s, 'GET', `/api/jobs/${jobId}`)).json().state, { timeout: 5000 })
    .not.toBe('running');
  return (await admin(s, 'GET', `/api/jobs/${jobId}`)).json();
}

/** A pool with a key of each state: refused (settings and runtime), resting, switched off, active. */
async function varied(s: Stack) {
  expect((await admin(s, 'POST', '/api/keys', { keys: runtimeKeys })).status).toBe(201);
  const verify = await admin(s, 'POST', '/api/keys/verify', { all: true });
  expect(verify.status).toBe(202);
  expect(verify.json().total).toBe(5);
  expect(await finishedJob(s, verify.json().jobId)).toMatchObject({
    state: 'done',
    total: 5,
    done: 5,
    results: { serves: 3, refused: 2, unknown: 0 },
  });
  // Pinned to the key whose per-minute quota is spent: it rests for the model.
  const limited = await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('hi'), {
    'x-goog-api-key': adminToken,
    'x-gemgate-key-id': id('quota-minute-settings-01'),
  });
  expect(limited.status).toBe(429);
  expect((await admin(s, 'POST', `/api/keys/${id('ok-runtime-key-000001')}/disable`)).status).toBe(200);
}

describe('GET /api/keys', () => {
  it('filters by state, source, model, error class, tag and text, with counts per state', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    await varied(s);
    const everything = await list(s);
    expect(everything.counts).toEqual({ total: 5, active: 1, resting: 1, disabled: 1, refused: 2 });
    expect(everything.matched).toBe(5);
    expect(everything.nextCursor).toBeNull();
    expect(everything.items.map((key) => key.id)).toEqual([...settingsKeys, ...runtimeKeys].map(id).sort());
    const state = (key: string) => everything.items.find((item) => item.id === id(key))?.state;
    expect(state('ok-alpha-settings-key')).toBe('active');
    expect(state('quota-minute-settings-01')).toBe('resting');
    expect(state('ok-runtime-key-000001')).toBe('disabled');
    expect(state('invalid-runtime-key-0001')).toBe('refused');

    const refused = await list(s, '?state=refused');
    expect(refused.items.map((key) => key.id).sort()).toEqual(
      [id('invalid-settings-key-01'), id('invalid-runtime-key-0001')].sort(),
    );
    expect(refused.counts).toEqual(everything.counts);
    expect(refused.matched).toBe(2);
    expect((await list(s, '?source=runtime&state=refused')).items.map((key) => key.id)).toEqual([
      id('invalid-runtime-key-0001'),
    ]);
    expect((await list(s, '?source=runtime')).counts).toEqual({
      total: 2,
      active: 0,
      resting: 0,
      disabled: 1,
      refused: 1,
    });
    expect((await list(s, '?model=gemini-2.5-flash')).items.map((key) => key.id)).toEqual([
      id('quota-minute-settings-01'),
    ]);
    expect((await list(s, '?errorClass=invalid-key')).matched).toBe(2);

    await admin(s, 'PUT', `/api/keys/${id('ok-alpha-settings-key')}/meta`, {
      note: 'Billing account of the Lisbon team',
      tags: ['lisbon', 'paid'],
    });
    expect((await list(s, '?tag=paid')).items.map((key) => key.id)).toEqual([id('ok-alpha-settings-key')]);
    expect((await list(s, '?q=LISBON%20team')).items.map((key) => key.id)).toEqual([
      id('ok-alpha-settings-key'),
    ]);
    const prefix = id('invalid-runtime-key-0001').slice(0, 6);
    expect((await list(s, `?q=${prefix}`)).items.map((key) => key.id)).toContain(
      id('invalid-runtime-key-0001'),
    );
  });

  it('finds a whole key pasted into the search by its id, without writing it anywhere', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    const found = await list(s, `?q=${encodeURIComponent('invalid-settings-key-01')}`);
    expect(found.items.map((key) => key.id)).toEqual([id('invalid-settings-key-01')]);
    // The secret scan reads the logs (at trace level here) and the answers for every pool key.
    expect(s.logLines.join('')).not.toContain('invalid-settings-key-01');
    expect((await list(s, `?q=${encodeURIComponent('invalid-settings-key-0')}`)).items).toEqual([]);
  });

  it('sorts and pages by an opaque cursor: every key once, in order, whatever the sort', async () => {
    const many = Array.from({ length: 23 }, (_, index) => `ok-paged-key-${String(index).padStart(4, '0')}`);
    const s = await start({ API_KEYS: many.join(',') });
    for (let index = 0; index < 9; index++) {
      await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('hi'), {
        'x-goog-api-key': clientToken,
      });
    }
    for (const [sort, order] of [
      ['id', 'asc'],
      ['requests', 'desc'],
      ['failures', 'asc'],
      ['lastError', 'desc'],
      ['restingUntil', 'asc'],
    ]) {
      const whole = await list(s, `?sort=${sort}&order=${order}&limit=500`);
      expect(whole.items).toHaveLength(23);
      const seen: string[] = [];
      let cursor: string | null = '';
      for (let page = 0; cursor !== null && page < 20; page++) {
        const paged: KeyList = await list(
          s,
          `?sort=${sort}&order=${order}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(paged.items.length).toBeLessThanOrEqual(5);
        seen.push(...paged.items.map((key) => key.id));
        cursor = paged.nextCursor;
      }
      expect(seen, `${sort} ${order}`).toEqual(whole.items.map((key) => key.id));
    }
    const byRequests = await list(s, '?sort=requests&order=desc&limit=500');
    const requests = await Promise.all(
      byRequests.items.map(
        async (key) => (await admin(s, 'GET', `/api/keys/${key.id}`)).json().usage.requests,
      ),
    );
    expect(requests).toEqual([...requests].sort((a, b) => b - a));
    // A cursor is bound to its sort and order.
    const first = await list(s, '?sort=requests&limit=5');
    const mismatched = await admin(s, 'GET', `/api/keys?sort=failures&limit=5&cursor=${first.nextCursor}`);
    expect(mismatched.status).toBe(400);
  });

  it('answers hostile query strings with a 400 in the operator error shape, never a 500', async () => {
    const s = await start();
    const hostile = [
      '?state=sleeping',
      '?state=active&state=resting',
      '?limit=0',
      '?limit=501',
      '?limit=12abc',
      `?limit=${'9'.repeat(5000)}`,
      '?sort=secret',
      '?order=sideways',
      '?source=%FF',
      '?state=%C0%AF',
      '?tag=%E0%A4%A',
      '?tag=has%20space',
      '?errorClass=Invalid%00Key',
      '?cursor=%FF%FE%FD',
      '?cursor=bm90LWpzb24',
      `?cursor=${Buffer.from('[1,2,3,4]').toString('base64url')}`,
      `?cursor=${'A'.repeat(600)}`,
      `?q=${'x'.repeat(201)}`,
      '?page=2',
      '?__proto__=1',
      '?constructor[prototype][x]=1',
      '?model=',
    ];
    for (const query of hostile) {
      const response = await admin(s, 'GET', `/api/keys${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json(), query).toEqual({ error: { code: 400, message: expect.any(String) } });
    }
    // Bad UTF-8 in a search is only text that matches nothing.
    for (const query of ['?q=%FF', '?q=%C0%AF%ED%A0%80', '?model=%FF%FE']) {
      const response = await admin(s, 'GET', `/api/keys${query}`);
      expect(response.status, query).toBe(200);
      expect(response.json().items, query).toEqual([]);
    }
    // Raw bytes that are not UTF-8 at all, as no browser would send them.
    const raw = parseRawAnswer(
      await rawExchange(
        s.directUrl,
        Buffer.concat([
          Buffer.from('GET /api/keys?state='),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(
            `&q=${String.fromCharCode(0xc0)} HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer ${adminToken}\r\nconnection: close\r\n\r\n`,
          ),
        ]),
      ),
    );
    expect(raw.status).toBe(400);
  });
});

describe('verification jobs', () => {
  it('probe a selection, all keys, or all in one state with model metadata calls only', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    const byState = await admin(s, 'POST', '/api/keys/verify', { state: 'active' });
    expect(byState.status).toBe(202);
    expect(byState.json()).toEqual({ jobId: expect.any(String), total: 3 });
    const job = await finishedJob(s, byState.json().jobId);
    expect(job).toEqual({
      id: byState.json().jobId,
      kind: 'verify',
      state: 'done',
      total: 3,
      done: 3,
      results: { serves: 2, refused: 1, unknown: 0 },
      problems: [
        expect.objectContaining({
          id: id('invalid-settings-key-01'),
          verdict: 'refused',
          errorType: 'invalid-key',
        }),
      ],
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(JSON.stringify(job)).not.toContain('invalid-settings-key-01');
    const selection = await admin(s, 'POST', '/api/keys/verify', {
      ids: [id('ok-alpha-settings-key'), 'ffffffffffffffff'],
    });
    expect(selection.json().total).toBe(1);
    await finishedJob(s, selection.json().jobId);
    const refused = await admin(s, 'POST', '/api/keys/verify', { state: 'refused' });
    expect(await finishedJob(s, refused.json().jobId)).toMatchObject({ total: 1, results: { refused: 1 } });
    // No generation call: every probe reads the model's metadata.
    expect(new Set(s.fake.requests.map((request) => `${request.method} ${request.url}`))).toEqual(
      new Set(['GET /v1beta/models/gemini-2.5-flash-lite']),
    );
    expect((await admin(s, 'POST', '/api/keys/ffffffffffffffff/verify')).status).toBe(404);
    expect((await admin(s, 'GET', '/api/jobs/no-such-job')).status).toBe(404);
    expect((await admin(s, 'GET', `/api/jobs/${'j'.repeat(300)}`)).status).toBe(404);
    expect((await admin(s, 'GET', '/api/jobs/%FF%FE')).status).toBe(400);
    expect((await admin(s, 'GET', '/api/jobs/%E0%A4%A')).status).toBe(400);
  });

  it('refuses selections of the wrong shape', async () => {
    const s = await start();
    const deep = `${'{"ids":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    for (const body of [
      { ids: [] },
      { ids: [5] },
      { ids: 'all' },
      { all: false },
      { all: 'true' },
      { all: true, state: 'active' },
      { state: 'sleeping' },
      { state: ['active'] },
      { all: true, model: 'gemini-2.5-flash' },
      { all: true, extra: 1 },
      [],
      null,
      deep,
      'not json',
      '',
    ]) {
      const response = await admin(s, 'POST', '/api/keys/verify', body);
      expect(response.status, JSON.stringify(body)?.slice(0, 40)).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 400, message: expect.any(String) } });
    }
    expect(s.fake.requests).toHaveLength(0);
  });
});

describe('GET /api/keys/export', () => {
  it('gives the full keys of one state or all, as text or JSON, never cached', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    await varied(s);
    // Keys are the answer here: around the secret scan's recording proxy.
    const text = await admin(s, 'GET', '/api/keys/export?state=refused', undefined, s.directUrl);
    expect(text.status).toBe(200);
    expect(text.headers.get('cache-control')).toBe('no-store');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.headers.get('content-disposition')).toBe('attachment; filename="gemgate-keys-refused.txt"');
    expect(text.text.split('\n').sort()).toEqual(['', 'invalid-runtime-key-0001', 'invalid-settings-key-01']);
    const json = await admin(s, 'GET', '/api/keys/export?format=json', undefined, s.directUrl);
    expect(json.headers.get('cache-control')).toBe('no-store');
    expect(json.json().keys).toHaveLength(5);
    expect(json.json().keys).toContainEqual({
      id: id('quota-minute-settings-01'),
      key: 'quota-minute-settings-01',
      state: 'resting',
    });
    expect((await admin(s, 'GET', '/api/keys/export?state=active', undefined, s.directUrl)).text).toBe(
      'ok-alpha-settings-key\n',
    );
    for (const query of [
      '?format=csv',
      '?state=gone',
      '?state=active&state=refused',
      '?keys=1',
      '?format=%FF',
    ]) {
      const refused = await admin(s, 'GET', `/api/keys/export${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.json()).toMatchObject({ error: { code: 400 } });
    }
    expect(s.logLines.join('')).not.toContain('invalid-runtime-key-0001');
  });
});

describe('notes and tags', () => {
  it('are stored, shown with the key, replaced field by field, and deleted with the key', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    await admin(s, 'POST', '/api/keys', { keys: runtimeKeys });
    const keyId = id('ok-runtime-key-000001');
    const put = await admin(s, 'PUT', `/api/keys/${keyId}/meta`, {
      note: 'Ana’s project ☀\nrenew in March',
      tags: ['team-a', 'trial', 'team-a'],
    });
    expect(put.status).toBe(200);
    expect(put.json()).toEqual({
      id: keyId,
      note: 'Ana’s project ☀\nrenew in March',
      tags: ['team-a', 'trial'],
    });
    expect((await admin(s, 'PUT', `/api/keys/${keyId}/meta`, { tags: ['paid'] })).json()).toMatchObject({
      note: 'Ana’s project ☀\nrenew in March',
      tags: ['paid'],
    });
    expect((await admin(s, 'GET', `/api/keys/${keyId}`)).json()).toMatchObject({
      note: 'Ana’s project ☀\nrenew in March',
      tags: ['paid'],
    });
    const rows = () => s.gateway.database.db.selectFrom('key_meta').select(['key_id', 'tags']).execute();
    expect(await rows()).toEqual([{ key_id: keyId, tags: '["paid"]' }]);
    expect((await admin(s, 'DELETE', `/api/keys/${keyId}`)).status).toBe(200);
    expect(await rows()).toEqual([]);
    expect((await admin(s, 'PUT', `/api/keys/${keyId}/meta`, { note: 'x' })).status).toBe(404);
  });

  it('refuse bodies of the wrong shape or size, storing nothing', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    const path = `/api/keys/${id('ok-alpha-settings-key')}/meta`;
    for (const body of [
      { note: 'x'.repeat(501) },
      { note: 5 },
      { note: null },
      { note: 'null\u0000byte' },
      { note: 'bell\u0007' },
      { tags: 'team-a' },
      { tags: [5] },
      { tags: [''] },
      { tags: ['has space'] },
      { tags: ['x'.repeat(33)] },
      { tags: ['ü'] },
      { tags: Array.from({ length: 21 }, (_, index) => `t${index}`) },
      { tags: [['nested']] },
      { note: 'ok', secret: 'x' },
      { note: { toString: 'x' } },
      [],
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      'not json',
    ]) {
      const response = await admin(s, 'PUT', path, body);
      expect(response.status, JSON.stringify(body)?.slice(0, 60)).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 400, message: expect.any(String) } });
    }
    expect(await s.gateway.database.db.selectFrom('key_meta').selectAll().execute()).toEqual([]);
    // Bytes that are not UTF-8 inside a note are read as U+FFFD, stored and answered, never a 500.
    const notUtf8 = await fetch(`${s.url}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"note":"a'), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('b"}')]),
    });
    expect(notUtf8.status).toBe(200);
    expect(((await notUtf8.json()) as { note: string }).note).toBe('a\ufffd\ufffd\ufffdb');
    expect((await admin(s, 'PUT', path, { note: 'x'.repeat(500), tags: [] })).status).toBe(200);
    expect((await admin(s, 'PUT', '/api/keys/ffffffffffffffff/meta', { note: 'x' })).status).toBe(404);
  });

  it('outlive a restart, and are filtered by after it', async () => {
    const fake = await createFakeUpstream();
    const directory = mkdtempSync(join(tmpdir(), 'gemgate-notes-'));
    const settings = parseSettings({
      API_KEYS: settingsKeys.join(','),
      AUTH_TOKEN: adminToken,
      BASE_URL: `${fake.url}/v1beta`,
      SQLITE_DATABASE: join(directory, 'gemgate.db'),
      PORT: '0',
      HOST: '127.0.0.1',
    });
    const quiet = { logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }) };
    try {
      const first = await startGateway(settings, quiet);
      const firstStack = { url: first.url } as Stack;
      await admin(firstStack, 'PUT', `/api/keys/${id('ok-alpha-settings-key')}/meta`, { tags: ['kept'] });
      await first.close();
      const second = await startGateway(settings, quiet);
      const listed = await list({ url: second.url } as Stack, '?tag=kept');
      expect(listed.items.map((key) => [key.id, key.tags])).toEqual([
        [id('ok-alpha-settings-key'), ['kept']],
      ]);
      await second.close();
    } finally {
      await fake.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('POST /api/keys/delete-refused', () => {
  it('removes every key Google refused, as the remove route does: API_KEYS ones return on restart', async () => {
    const s = await start({ API_KEYS: settingsKeys.join(',') });
    await varied(s);
    await admin(s, 'PUT', `/api/keys/${id('invalid-runtime-key-0001')}/meta`, { note: 'dead' });
    const deleted = await admin(s, 'POST', '/api/keys/delete-refused');
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toEqual({
      removed: [id('invalid-settings-key-01'), id('invalid-runtime-key-0001')],
      returnsOnRestart: [id('invalid-settings-key-01')],
    });
    expect((await list(s)).counts).toEqual({ total: 3, active: 1, resting: 1, disabled: 1, refused: 0 });
    const stored = await s.gateway.database.db.selectFrom('api_key').select('id').execute();
    expect(stored.map((row) => row.id)).toEqual([id('ok-runtime-key-000001')]);
    expect(await s.gateway.database.db.selectFrom('key_meta').selectAll().execute()).toEqual([]);
    // The switched-off key (an operator's choice) stays.
    expect((await admin(s, 'POST', '/api/keys/delete-refused', {})).json()).toEqual({
      removed: [],
      returnsOnRestart: [],
    });
    for (const body of [{ all: true }, { ids: [id('ok-runtime-key-000001')] }, [], 'not json', null]) {
      const refused = await admin(s, 'POST', '/api/keys/delete-refused', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect((await list(s)).counts.total).toBe(3);
  });
});
