import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { type Stack, useStacks } from './helpers/start-stack.js';

// POST /api/keys/find names a whole key's id from a body, so the console never puts a key in a
// URL; GET /api/keys?id= then lists that key alone.

const adminToken = 'admin-token-for-tests';
const start = useStacks();
const keys = ['ok-find-alpha-key-first', 'ok-find-bravo-key-second', 'ok-find-charlie-key-third'];

async function admin(s: Stack, method: string, path: string, body?: unknown) {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

describe('POST /api/keys/find', () => {
  it('answers the id of a key in the pool, 404 for any other, and never echoes the key', async () => {
    const s = await start({ API_KEYS: keys.join(',') });
    const second = keys[1] as string;
    const found = await admin(s, 'POST', '/api/keys/find', { key: ` ${second}\n` });
    expect(found.status).toBe(200);
    expect(JSON.parse(found.text)).toEqual({ id: createKeyIdentity(second).id });

    const missing = await admin(s, 'POST', '/api/keys/find', { key: 'ok-find-delta-not-pooled' });
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('delta');
    // A key's prefix is not the key.
    expect((await admin(s, 'POST', '/api/keys/find', { key: second.slice(0, -1) })).status).toBe(404);

    for (const body of [{}, { key: '' }, { key: second, extra: 1 }, { key: 'x'.repeat(1025) }]) {
      const refused = await admin(s, 'POST', '/api/keys/find', body);
      expect(refused.status).toBe(400);
      expect(refused.text).not.toContain(second);
    }
  });

  it('refuses hostile bodies with a 400 in its shape, never repeating a key sent in the wrong place', async () => {
    const s = await start({ API_KEYS: keys.join(',') });
    const second = keys[1] as string;
    const raw = (body: string) =>
      fetch(`${s.url}/api/keys/find`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body,
      }).then(async (response) => ({ status: response.status, text: await response.text() }));
    const bodies = [
      JSON.stringify({ key: 42 }),
      JSON.stringify({ key: [second] }),
      JSON.stringify({ key: { key: second } }),
      JSON.stringify({ key: null }),
      JSON.stringify([second]),
      JSON.stringify(second),
      // The key as a field's name: a field it does not take is counted, not named.
      JSON.stringify({ key: 'ok-find-delta-not-pooled', [second]: true }),
      `{"key": "${second}"`,
      '\xff\xfe{',
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      JSON.stringify({ key: 'k'.repeat(2_000_000) }),
    ];
    for (const body of bodies) {
      const refused = await raw(body);
      expect(refused.status, body.slice(0, 40)).toBe(400);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 400, message: expect.any(String) } });
      expect(refused.text).not.toContain(second);
    }
  });

  it('lets GET /api/keys?id= list that key alone, with the other filters still applying', async () => {
    const s = await start({ API_KEYS: keys.join(',') });
    const id = createKeyIdentity(keys[2] as string).id;
    const listed = JSON.parse((await admin(s, 'GET', `/api/keys?id=${id}`)).text);
    expect(listed.items.map((item: { id: string }) => item.id)).toEqual([id]);
    expect(listed).toMatchObject({ matched: 1, counts: { total: 1, active: 1 }, nextCursor: null });

    const disabled = JSON.parse((await admin(s, 'GET', `/api/keys?id=${id}&state=disabled`)).text);
    expect(disabled).toMatchObject({ items: [], matched: 0, counts: { total: 1, active: 1 } });
    expect((await admin(s, 'GET', '/api/keys?id=not-an-id')).status).toBe(400);
    const none = JSON.parse((await admin(s, 'GET', '/api/keys?id=0000000000000000')).text);
    expect(none).toMatchObject({ items: [], matched: 0 });
  });
});
