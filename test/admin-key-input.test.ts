import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Items 6 and 8 of issue 7 for the operator API: keys are checked where they enter and stored
// before the pool uses them; /health tells an outsider nothing about the pool.

const adminToken = 'admin-token-for-tests';
const start = useStacks();
const id = (secret: string) => createKeyIdentity(secret).id;

async function admin(s: Stack, method: string, path: string, body?: unknown, token = adminToken) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

async function listedIds(s: Stack): Promise<string[]> {
  const { text } = await admin(s, 'GET', '/api/keys');
  return (JSON.parse(text) as { items: { id: string }[] }).items.map((key) => key.id);
}

/** Makes SQLite refuse every write of one kind to the stored keys, as a full or failing disk would. */
async function breakKeyStore(s: Stack, operation: 'INSERT' | 'DELETE') {
  await sql
    .raw(
      `CREATE TRIGGER refuse_${operation} BEFORE ${operation} ON api_key BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`,
    )
    .execute(s.gateway.database.db);
  return () => sql.raw(`DROP TRIGGER refuse_${operation}`).execute(s.gateway.database.db);
}

describe('POST /api/keys input', () => {
  it.each([
    [['k-good-key-1', 'k-bad\u0000key-2'], 'keys[1] has a control character at position 6.'],
    [['k-good-key-1', 'k-bad\r\nX-Injected: 1'], 'keys[1] has a control character at position 6.'],
    [['k-bad key-3'], 'keys[0] has whitespace at position 6.'],
    [['k-bad\u00a0key-4'], 'keys[0] has whitespace at position 6.'],
    [['k-bad-kéy-5'], 'keys[0] has a character outside printable ASCII at position 8.'],
    ['k-good-key-1,k-bad\u0007key-6', 'keys[1] has a control character at position 6.'],
  ])('%j → 400 naming the position, never the key; nothing added', async (keys, message) => {
    const s = await start();
    const before = await listedIds(s);
    const response = await admin(s, 'POST', '/api/keys', { keys });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ error: { code: 400, message } });
    expect(response.text).not.toMatch(/k-bad|k-good/);
    expect(await listedIds(s)).toEqual(before);
  });
});

describe('keys added through the API are stored, or the call fails and the key is not used', () => {
  it('a storage failure answers 503 and leaves the pool as it was; once it passes, the key is added', async () => {
    const s = await start();
    const repair = await breakKeyStore(s, 'INSERT');
    const before = await listedIds(s);
    const refused = await admin(s, 'POST', '/api/keys', { keys: ['k-runtime-key-1'] });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text)).toEqual({
      error: { code: 503, message: 'The keys could not be stored, so none was added; try again.' },
    });
    expect(await listedIds(s)).toEqual(before);
    for (let index = 0; index < 6; index++) {
      const answered = await post(
        `${s.url}/v1beta/models/gemini-2.5-flash:generateContent`,
        generateBody('hi'),
        { 'x-goog-api-key': clientToken },
      );
      expect(answered.status).toBe(200);
    }
    expect(s.fake.callsFor('k-runtime-key-1')).toBe(0);
    expect(s.logLines.join('')).not.toContain('k-runtime-key-1');

    await repair();
    expect((await admin(s, 'POST', '/api/keys', { keys: ['k-runtime-key-1'] })).status).toBe(201);
    expect(await listedIds(s)).toContain(id('k-runtime-key-1'));
    const stored = await s.gateway.database.db.selectFrom('api_key').select('id').execute();
    expect(stored.map((row) => row.id)).toEqual([id('k-runtime-key-1')]);
  });

  it('a key the store could not forget stays in the pool (503), so it cannot come back unannounced', async () => {
    const s = await start();
    expect((await admin(s, 'POST', '/api/keys', { keys: ['k-runtime-key-2'] })).status).toBe(201);
    await breakKeyStore(s, 'DELETE');
    const refused = await admin(s, 'POST', '/api/keys/remove', { ids: [id('k-runtime-key-2')] });
    expect(refused.status).toBe(503);
    expect((await admin(s, 'DELETE', `/api/keys/${id('k-runtime-key-2')}`)).status).toBe(503);
    expect(await listedIds(s)).toContain(id('k-runtime-key-2'));
  });
});

describe('tokens', () => {
  it('the admin API refuses near-miss tokens and client tokens alike', async () => {
    const s = await start();
    for (const token of ['admin-token-for-test', 'admin-token-for-testS', clientToken]) {
      expect((await admin(s, 'GET', '/api/keys', undefined, token)).status).toBe(401);
    }
    expect((await admin(s, 'GET', '/api/keys')).status).toBe(200);
  });

  it('/health shows key counts to the admin token only', async () => {
    const s = await start();
    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${clientToken}` },
      { authorization: 'Bearer admin-token' },
    ]) {
      expect(await (await fetch(`${s.url}/health`, { headers })).json()).toEqual({ status: 'ok' });
    }
    const admitted = await fetch(`${s.url}/health`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(await admitted.json()).toEqual({ status: 'ok', keys: { configured: 3, usable: 3 } });
  });

  it('only the admin token pins a request to a key', async () => {
    const s = await start();
    const url = `${s.url}/v1beta/models/gemini-2.5-flash:generateContent`;
    const pin = { 'x-gemgate-key-id': id('ok-bravo-default-key') };
    const refused = await post(url, generateBody('hi'), { 'x-goog-api-key': clientToken, ...pin });
    expect(refused.status).toBe(403);
    const pinned = await post(url, generateBody('hi'), { 'x-goog-api-key': adminToken, ...pin });
    expect(pinned.status).toBe(200);
    expect(s.fake.lastRequest()?.key).toBe('ok-bravo-default-key');
  });
});

describe('importing keys from free text', () => {
  const googleKey = (fill: string) => `AIza${fill.repeat(35).slice(0, 35)}`;
  const first = googleKey('Fa1');
  const second = googleKey('sB-');

  it('adds the Google keys found in pasted text once, reporting duplicates and malformed ones by line', async () => {
    const s = await start();
    const text = [
      '# keys from the old gateway',
      `API_KEYS=["${first}", "${second}"]`,
      `again: ${first}`,
      `broken: ${second.slice(0, 20)}`,
    ].join('\n');
    const imported = await admin(s, 'POST', '/api/keys/import', { text });
    expect(imported.status).toBe(201);
    expect(JSON.parse(imported.text)).toEqual({
      added: [
        { id: id(first), masked: expect.any(String) },
        { id: id(second), masked: expect.any(String) },
      ],
      alreadyPresent: [],
      duplicates: 1,
      malformed: [{ line: 4, problem: 'starts like a Google API key but has 20 characters, not 39' }],
      malformedCount: 1,
    });
    expect(imported.text).not.toContain(first);
    expect(imported.text).not.toContain(second.slice(0, 20));
    expect(await listedIds(s)).toEqual(expect.arrayContaining([id(first), id(second)]));

    const again = await admin(s, 'POST', '/api/keys/import', { text: first });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toMatchObject({ added: [], alreadyPresent: [id(first)] });
  });

  it('answers 400 when the text holds no key, with what only looked like one', async () => {
    const s = await start();
    const refused = await admin(s, 'POST', '/api/keys/import', { text: 'AIza-too-short\nnothing' });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { code: 400, duplicates: 0, malformed: [{ line: 1 }], malformedCount: 1 },
    });
    expect((await admin(s, 'POST', '/api/keys/import', { keys: [first] })).status).toBe(400);
  });

  it("refuses bodies of the wrong shape with a 400 in the operator API's error shape", async () => {
    const s = await start();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const body of [
      { text: 5 },
      { text: ['AIza'] },
      { text: null },
      {},
      { text: 'x', more: 1 },
      deep,
      'not json',
    ]) {
      const response = await fetch(`${s.url}/api/keys/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 400, message: expect.any(String) } });
    }
  });

  it('answers a huge paste of near-keys with a bounded report', async () => {
    const s = await start();
    const text = `${'AIza-not-a-key '.repeat(200_000)}`;
    const refused = await admin(s, 'POST', '/api/keys/import', { text });
    expect(refused.status).toBe(400);
    const report = JSON.parse(refused.text) as { error: { malformed: unknown[]; malformedCount: number } };
    expect(report.error.malformed).toHaveLength(100);
    expect(report.error.malformedCount).toBe(200_000);
    expect(refused.text.length).toBeLessThan(20_000);
  });
});
