import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Key-shaped like Google's (AIza + 35 characters) so shape-based redaction is exercised too.
const healthyKey = 'AIzaSyFAKEfakeFAKEfakeFAKEfakeFAKE00001';
const suspendedKey = 'AIzaSyFAKEfakeFAKEfakeFAKEfakeFAKE00002';
const adminToken = 'admin-token-for-tests';

const start = useStacks();

async function allRows(s: Stack): Promise<string> {
  await s.gateway.logWriter.flush();
  const db = s.gateway.database.db;
  const rows = [
    ...(await db.selectFrom('request_log').selectAll().execute()),
    ...(await db.selectFrom('error_log').selectAll().execute()),
    ...(await db.selectFrom('setting').selectAll().execute()),
  ];
  return JSON.stringify(rows);
}

describe('logs', () => {
  it('records requests and failed attempts in the database, with key ids and masks only', async () => {
    const s = await start({ API_KEYS: `${suspendedKey},${healthyKey}` });
    s.fake.script(suspendedKey, 'suspended');
    const query = `?key=${clientToken}`;
    expect(
      (await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent${query}`, generateBody('a')))
        .status,
    ).toBe(200);
    const streamed = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${clientToken}`,
      generateBody('b'),
    );
    await streamed.text();
    expect((await fetch(`${s.url}/v1beta/models${query}`)).status).toBe(200);

    await s.gateway.logWriter.flush();
    const db = s.gateway.database.db;
    const requests = await db.selectFrom('request_log').selectAll().orderBy('id').execute();
    expect(
      requests.map(({ route, model, status, success, attempts, stream, key_id }) => ({
        route,
        model,
        status,
        success,
        attempts,
        stream,
        key_id,
      })),
    ).toEqual([
      {
        route: 'gemini generateContent',
        model: 'gemini-2.5-flash',
        status: 200,
        success: 1,
        attempts: 2,
        stream: 0,
        key_id: createKeyIdentity(healthyKey).id,
      },
      {
        route: 'gemini streamGenerateContent',
        model: 'gemini-2.5-flash',
        status: 200,
        success: 1,
        attempts: 1,
        stream: 1,
        key_id: createKeyIdentity(healthyKey).id,
      },
      {
        route: 'gemini models.list',
        model: null,
        status: 200,
        success: 1,
        attempts: 1,
        stream: 0,
        key_id: createKeyIdentity(healthyKey).id,
      },
    ]);
    expect(requests.every((row) => row.latency_ms >= 0 && row.created_at > Date.now() - 60_000)).toBe(true);

    const [error] = await db.selectFrom('error_log').selectAll().execute();
    expect(error).toMatchObject({
      status: 403,
      error_type: 'suspended',
      key_id: createKeyIdentity(suspendedKey).id,
      request_body: null,
    });
    // Google's message quotes the key; the stored one shows only its mask.
    expect(error?.message).toBe(`Permission denied: Consumer 'api_key:AIza…0002' has been suspended.`);
  });

  it('records the request body of a failed attempt only when ERROR_LOG_RECORD_REQUEST_BODY is on', async () => {
    const s = await start({
      API_KEYS: 'overloaded-1,k-b',
      ERROR_LOG_RECORD_REQUEST_BODY: 'true',
    });
    const body = generateBody('remember me');
    await post(`${s.url}/v1beta/models/gemini-2.5-flash:generateContent`, body, {
      'x-goog-api-key': clientToken,
    });
    await s.gateway.logWriter.flush();
    const [error] = await s.gateway.database.db.selectFrom('error_log').selectAll().execute();
    expect(error?.request_body).toBe(body);
  });

  it('keeps serving when the database is gone', async () => {
    const s = await start();
    await s.gateway.database.db.destroy();
    const response = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('still here'),
      {
        'x-goog-api-key': clientToken,
      },
    );
    expect(response.status).toBe(200);
    await s.gateway.logWriter.flush();
    expect(s.logLines.join('')).toContain('could not write log entries to the database');
  });
});

describe('secrets', () => {
  it('never appear in log lines, database rows or client-visible errors', async () => {
    const s = await start({ API_KEYS: suspendedKey, LOG_LEVEL: 'trace' });
    // Refused once, then answered by the probe: the refusal was the request's, and the client gets
    // Google's own text, which quotes the key.
    s.fake.script(suspendedKey, ['suspended', 'ok']);
    const refused = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`,
      generateBody('x'),
    );
    expect(refused.status).toBe(403);
    const refusal = await refused.text();
    expect(refusal).toContain('AIza…0002');
    s.fake.script(suspendedKey, 'ok');
    await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${clientToken}`,
      generateBody('y'),
    );
    await fetch(`${s.url}/v1beta/models`, { headers: { authorization: `Bearer ${clientToken}` } });
    await fetch(`${s.url}/v1beta/models?key=${adminToken}`, { headers: { 'x-goog-api-key': 'wrong-guess' } });
    await fetch(`${s.url}/nowhere?key=${clientToken}`);

    const logged = s.logLines.join('');
    expect(logged).toContain('incoming request');
    const stored = await allRows(s);
    for (const secret of [suspendedKey, clientToken, adminToken]) {
      expect(logged).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(refusal).not.toContain(secret);
    }
  });
});
