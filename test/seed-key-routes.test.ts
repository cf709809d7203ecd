import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// gemini-balance's key maintenance routes, as its scripts call them, through a real gateway and the
// fake upstream. Keys are shaped like Google's (AIza + 35 characters), so that shape-based
// redaction is exercised too; each is obviously fake.
const fakeKey = (name: string, last: string) => `${`AIza${name}`.padEnd(38, '0')}${last}`;
const alpha = fakeKey('FAKEseedAliasAlpha', '1');
const bravo = fakeKey('FAKEseedAliasBravo', '2');
const charlie = fakeKey('FAKEseedAliasCharlie', '3');
const stranger = fakeKey('FAKEseedAliasNotInThePool', '9');

const start = useStacks();
const startWithKeys = (settings: Record<string, string> = {}) =>
  start({ API_KEYS: `${alpha},${bravo},${charlie}`, ...settings });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const admin = (s: Stack) => bearer(s.adminToken);
const idOf = (key: string) => createKeyIdentity(key).id;

/** A key's state as the operator API lists it (`active`, `refused`, ...). */
async function stateOf(s: Stack, key: string): Promise<string> {
  const response = await fetch(`${s.url}/api/keys/${idOf(key)}`, { headers: admin(s) });
  return ((await response.json()) as { state: string }).state;
}

/** gemini-balance's key list; it holds keys, so it is read from the gateway itself (unrecorded). */
async function keyList(s: Stack, headers: Record<string, string>, prefix = '/v1') {
  return fetch(`${s.directUrl}${prefix}/keys/list`, { headers });
}

describe("gemini-balance's key routes: authentication", () => {
  it('answers 401 to anything but the admin token, a client token included, and changes nothing', async () => {
    const s = await startWithKeys();
    s.fake.script(bravo, 'invalid');
    const routes: [string, string, string?][] = [
      ['POST', `/gemini/v1beta/verify-key/${bravo}`],
      ['POST', '/gemini/v1beta/verify-selected-keys', JSON.stringify({ keys: [bravo] })],
      ['POST', '/gemini/v1beta/reset-all-fail-counts'],
      ['POST', '/gemini/v1beta/reset-selected-fail-counts', JSON.stringify({ keys: [bravo] })],
      ['POST', `/gemini/v1beta/reset-fail-count/${bravo}`],
      ['GET', '/v1/keys/list'],
      ['GET', '/hf/v1/keys/list'],
    ];
    const credentials: Record<string, string>[] = [
      {},
      bearer(clientToken),
      { authorization: clientToken },
      { 'x-goog-api-key': s.adminToken },
      bearer('not-the-admin-token'),
      { authorization: `${s.adminToken}x` },
    ];
    for (const [method, path, body] of routes) {
      for (const headers of credentials) {
        const response = await fetch(`${s.directUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          ...(body ? { body } : {}),
        });
        expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        const text = await response.text();
        expect(JSON.parse(text).error.code).toBe(401);
        for (const key of [alpha, bravo, charlie]) expect(text).not.toContain(key);
      }
      // The admin token in the query is no credential either: URLs are logged and kept by proxies.
      const inQuery = await fetch(`${s.directUrl}${path}?key=${s.adminToken}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body ? { body } : {}),
      });
      expect(inQuery.status, `${method} ${path}?key=`).toBe(401);
    }
    // Nothing was probed with the key, and it was not switched off.
    expect(s.fake.callsFor(bravo)).toBe(0);
    expect(await stateOf(s, bravo)).toBe('active');
  });

  it('takes the bare admin token (gemini-balance scripts send no "Bearer") on the key list only', async () => {
    const s = await startWithKeys();
    expect((await keyList(s, { authorization: s.adminToken })).status).toBe(200);
    expect((await keyList(s, { authorization: s.adminToken }, '/hf/v1')).status).toBe(200);
    expect((await keyList(s, admin(s))).status).toBe(200);
    const verify = await post(`${s.directUrl}/gemini/v1beta/verify-key/${alpha}`, '', {
      authorization: s.adminToken,
    });
    expect(verify.status).toBe(401);
    expect(s.fake.callsFor(alpha)).toBe(0);
  });
});

describe("gemini-balance's key routes: what they do", () => {
  it('verify-key probes one key and answers valid, invalid (switching it off) or 404', async () => {
    const s = await startWithKeys();
    s.fake.script(bravo, 'invalid');
    const valid = await post(`${s.url}/gemini/v1beta/verify-key/${alpha}`, '', admin(s));
    expect(valid.status).toBe(200);
    expect(await valid.json()).toEqual({ status: 'valid', id: idOf(alpha) });
    // A probe reads the model's metadata with the key: no generation quota spent.
    expect(s.fake.requests.filter((request) => request.key === alpha).map((request) => request.url)).toEqual([
      '/v1beta/models/gemini-2.5-flash-lite',
    ]);

    const invalid = await post(`${s.url}/gemini/v1beta/verify-key/${bravo}`, '', admin(s));
    expect(invalid.status).toBe(200);
    const refusal = (await invalid.json()) as { status: string; id: string; error: string };
    expect(refusal).toMatchObject({ status: 'invalid', id: idOf(bravo) });
    expect(refusal.error).toContain('API key not valid');
    expect(await stateOf(s, bravo)).toBe('refused');

    const unknown = await post(`${s.url}/gemini/v1beta/verify-key/${stranger}`, '', admin(s));
    expect(unknown.status).toBe(404);
    const text = await unknown.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 404, message: 'No key in the pool is that key.' } });
    expect(s.fake.callsFor(stranger)).toBe(0);
  });

  it('verify-selected-keys probes the pool keys among those given, in gemini-balance’s shape', async () => {
    const s = await startWithKeys();
    s.fake.script(bravo, 'invalid');
    const response = await post(
      `${s.directUrl}/gemini/v1beta/verify-selected-keys`,
      JSON.stringify({ keys: [alpha, bravo, stranger, '__proto__', alpha] }),
      admin(s),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      success: true,
      successful_keys: [alpha],
      valid_count: 1,
      invalid_count: 3,
    });
    const failed = body.failed_keys as Record<string, string>;
    expect(Object.keys(failed).sort()).toEqual([bravo, stranger, '__proto__'].sort());
    expect(failed[bravo]).toMatch(/^invalid: API key not valid/);
    expect(failed[stranger]).toBe('Not a key of the pool.');
    expect(s.fake.callsFor(alpha)).toBe(1);
    expect(s.fake.callsFor(stranger)).toBe(0);
    expect(await stateOf(s, bravo)).toBe('refused');

    const tooMany = await post(
      `${s.directUrl}/gemini/v1beta/verify-selected-keys`,
      JSON.stringify({ keys: Array.from({ length: 101 }, (_, index) => `k-${index}`) }),
      admin(s),
    );
    expect(tooMany.status).toBe(400);
    const empty = await post(
      `${s.directUrl}/gemini/v1beta/verify-selected-keys`,
      JSON.stringify({ keys: [] }),
      admin(s),
    );
    expect(empty.status).toBe(400);
  });

  it('lists valid and invalid keys with their failures in a row, under /v1 and /hf/v1', async () => {
    // One attempt per request, so one 503 leaves charlie one failure in a row.
    const s = await startWithKeys({ MAX_RETRIES: '1' });
    s.fake.script(bravo, 'invalid');
    s.fake.script(charlie, ['overloaded', 'ok']);
    await post(`${s.url}/gemini/v1beta/verify-key/${bravo}`, '', admin(s));
    const pinned = await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('hi'), {
      'x-goog-api-key': s.adminToken,
      'x-gemgate-key-id': idOf(charlie),
    });
    expect(pinned.status).toBe(503);

    for (const prefix of ['/v1', '/hf/v1']) {
      const response = await keyList(s, { authorization: s.adminToken }, prefix);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        status: 'success',
        data: { valid_keys: { [alpha]: 0, [charlie]: 1 }, invalid_keys: { [bravo]: 0 } },
        total: 3,
      });
    }
  });

  it('resets fail counts: rests end and refused keys serve again; an operator’s switch-off stays', async () => {
    const s = await startWithKeys({ MAX_RETRIES: '1' });
    s.fake.script(bravo, ['invalid', 'ok']);
    s.fake.script(charlie, ['overloaded', 'ok']);
    await post(`${s.url}/gemini/v1beta/verify-key/${bravo}`, '', admin(s));
    await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('hi'), {
      'x-goog-api-key': s.adminToken,
      'x-gemgate-key-id': idOf(charlie),
    });
    expect(await stateOf(s, bravo)).toBe('refused');

    const one = await post(`${s.url}/gemini/v1beta/reset-fail-count/${bravo}`, '', admin(s));
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ success: true, message: 'The fail count was reset.' });
    expect(await stateOf(s, bravo)).toBe('active');

    const listed = async () =>
      ((await (await keyList(s, admin(s))).json()) as { data: { valid_keys: Record<string, number> } }).data
        .valid_keys;
    expect((await listed())[charlie]).toBe(1);
    const selected = await post(
      `${s.url}/gemini/v1beta/reset-selected-fail-counts`,
      JSON.stringify({ keys: [charlie, stranger], key_type: 'valid' }),
      admin(s),
    );
    expect(await selected.json()).toMatchObject({ success: true, reset_count: 1 });
    expect((await listed())[charlie]).toBe(0);

    // An operator's switch-off is the operator's to undo.
    await post(`${s.url}/api/keys/${idOf(alpha)}/disable`, '', admin(s));
    const refused = await post(`${s.url}/gemini/v1beta/reset-fail-count/${alpha}`, '', admin(s));
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain(`/api/keys/${idOf(alpha)}/enable`);
    const invalidOnes = await post(
      `${s.url}/gemini/v1beta/reset-all-fail-counts?key_type=invalid`,
      '',
      admin(s),
    );
    expect(await invalidOnes.json()).toMatchObject({ success: true, reset_count: 0 });
    const all = await post(`${s.url}/gemini/v1beta/reset-all-fail-counts`, '', admin(s));
    expect(await all.json()).toMatchObject({ success: true, reset_count: 2 });
    expect(await stateOf(s, alpha)).toBe('disabled');

    const typo = await post(`${s.url}/gemini/v1beta/reset-all-fail-counts?key_type=invalids`, '', admin(s));
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { error: { code: number } }).error.code).toBe(400);
  });
});

describe("gemini-balance's key routes: a key in the path", () => {
  it('never reaches a log line, a log row, the metrics or an error', async () => {
    const s = await startWithKeys({ LOG_LEVEL: 'trace' });
    s.fake.script(bravo, 'invalid');
    // A request relayed, so the request log and the metrics hold something to look through.
    await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('hi'), {
      'x-goog-api-key': clientToken,
    });
    const answers: string[] = [];
    const send = async (method: string, path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${s.url}${path}`, { method, headers });
      answers.push(`${response.status} ${await response.text()}`);
      return response.status;
    };
    for (const key of [alpha, bravo, stranger]) {
      expect(await send('POST', `/gemini/v1beta/verify-key/${key}`, admin(s))).not.toBe(500);
      expect(await send('POST', `/gemini/v1beta/verify-key/${encodeURIComponent(key)}?x=1`)).toBe(401);
      expect(await send('GET', `/gemini/v1beta/verify-key/${key}`, admin(s))).toBe(404);
      expect(await send('POST', `/v1beta/verify-key/${key}`, admin(s))).toBe(404);
      expect(await send('POST', `/gemini/v1beta/reset-fail-count/${key}`, admin(s))).not.toBe(500);
      expect(await send('DELETE', `/gemini/v1beta/reset-fail-count/${key}`)).toBe(404);
    }
    const metrics = await fetch(`${s.url}/metrics`, { headers: admin(s) });
    expect(metrics.status).toBe(200);
    const metricsText = await metrics.text();
    await s.gateway.logWriter.flush();
    const db = s.gateway.database.db;
    const rows = JSON.stringify([
      ...(await db.selectFrom('request_log').selectAll().execute()),
      ...(await db.selectFrom('error_log').selectAll().execute()),
    ]);
    const logged = s.logLines.join('');
    // The requests were logged, with the key's segment redacted, and refused in the operator's shape.
    expect(logged).toContain('/gemini/v1beta/verify-key/[redacted]');
    expect(logged).toContain('/v1beta/verify-key/[redacted]');
    expect(answers.join('\n')).toContain('No route for GET /gemini/v1beta/verify-key/[redacted].');
    expect(rows).toContain('gemini generateContent');
    expect(metricsText).toContain('gemgate_');
    for (const key of [alpha, bravo, stranger]) {
      for (const [where, text] of Object.entries({
        logged,
        rows,
        metricsText,
        answers: answers.join('\n'),
      })) {
        expect(text, `${where} holds ${createKeyIdentity(key).masked}`).not.toContain(key);
        expect(text, `${where} holds ${createKeyIdentity(key).masked}`).not.toContain(
          encodeURIComponent(key),
        );
      }
    }
  });
});
