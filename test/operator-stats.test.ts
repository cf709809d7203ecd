import { describe, expect, it } from 'vitest';
import { clientIdentityOf } from '../src/core/client-identity.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Issue 9, done-means: requests of each outcome class go through the gateway (fake upstream keys of
// each kind), and the summary, breakdown and log routes give back the same numbers; each request's
// attempts are the generation calls the fake upstream received for it.

const start = useStacks();
const model = 'gemini-2.5-flash';

const kinds = {
  ok: 'ok-stats-alpha-key-0001',
  'quota-minute': 'quota-minute-stats-key-0002',
  'quota-day': 'quota-day-stats-key-0003',
  precondition: 'precondition-stats-key-0004',
  'invalid-key': 'invalid-stats-key-0005',
  suspended: 'suspended-stats-key-0006',
  'upstream-error': 'internal-stats-key-0007',
} as const;

type Kind = keyof typeof kinds | 'client-error';

async function admin(s: Stack, path: string, init: RequestInit = {}) {
  const response = await fetch(`${s.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${s.adminToken}`, ...(init.headers ?? {}) },
  });
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).toBe(200);
  return JSON.parse(text);
}

const keyIdOf = (s: Stack, secret: string) => s.gateway.pool.keys().find((key) => key.secret === secret)?.id;

/** The generation calls the fake received, as [key id, status]. */
function generationCalls(s: Stack, from: number) {
  return s.fake.requests
    .slice(from)
    .filter((call) => call.url.includes(':generateContent'))
    .map((call) => [keyIdOf(s, call.key ?? ''), call.status ?? null]);
}

describe('statistics and logs read back what went through', () => {
  it('counts each outcome class the same in the summary, the breakdowns and the logs', async () => {
    const s = await start({ API_KEYS: Object.values(kinds).join(','), MAX_RETRIES: '2' });
    const url = `${s.url}/v1beta/models/${model}:generateContent`;
    const sent: { kind: Kind; status: number; fakeCalls: (string | number | null | undefined)[][] }[] = [];
    const send = async (kind: Kind, secret: string, body = generateBody('Why is the sky blue?')) => {
      const before = s.fake.requests.length;
      const response = await post(url, body, {
        'x-goog-api-key': s.adminToken,
        'x-gemgate-key-id': keyIdOf(s, secret) ?? '',
      });
      await response.text();
      sent.push({ kind, status: response.status, fakeCalls: generationCalls(s, before) });
    };
    // A pinned request stays on its key: once the key rests or is switched off, the pool answers
    // (429), and the request is logged with the reason it ran into.
    for (const [kind, secret] of Object.entries(kinds)) await send(kind as Kind, secret);
    await send('ok', kinds.ok);
    // A request Google refuses as malformed: the client's mistake, on a healthy key.
    await send('client-error', kinds.ok, JSON.stringify({ contents: 'not a list' }));
    // And one from a client token, to be found by its client.
    const before = s.fake.requests.length;
    const byClient = await post(url, generateBody('Hello'), { 'x-goog-api-key': clientToken });
    expect(byClient.status).toBe(200);
    await byClient.text();
    sent.push({ kind: 'ok', status: 200, fakeCalls: generationCalls(s, before) });
    await s.gateway.logWriter.flush();

    expect(sent.map((request) => [request.kind, request.status])).toEqual([
      ['ok', 200],
      ['quota-minute', 429],
      ['quota-day', 429],
      ['precondition', 400],
      ['invalid-key', 429],
      ['suspended', 429],
      ['upstream-error', 500],
      ['ok', 200],
      ['client-error', 400],
      ['ok', 200],
    ]);
    const failed = sent.filter((request) => request.status >= 400).length;

    const summary = await admin(s, '/api/stats/summary');
    for (const period of ['minute', 'hour', 'day', 'month']) {
      expect(summary[period], period).toMatchObject({ requests: sent.length, failures: failed });
      expect(summary[period].successRate).toBeCloseTo((sent.length - failed) / sent.length);
      expect(summary[period].attempts).toBe(sent.reduce((sum, request) => sum + request.fakeCalls.length, 0));
    }
    expect(summary.hour.tokens.input).toBeGreaterThan(0);
    expect(summary.hour.latencyMs.p50).toBeGreaterThanOrEqual(0);

    const byOutcome = await admin(s, '/api/stats/breakdown?by=outcome&range=1h');
    const expectedByClass = new Map<string, number>();
    for (const request of sent)
      expectedByClass.set(request.kind, (expectedByClass.get(request.kind) ?? 0) + 1);
    const requestsByClass = Object.fromEntries(
      byOutcome.rows
        .filter((row: { requests: number }) => row.requests > 0)
        .map((row: { name: string; requests: number }) => [row.name, row.requests]),
    );
    expect(requestsByClass).toEqual(Object.fromEntries(expectedByClass));
    // Attempts by failure group: what Google answered each call, whatever the request's end.
    const calls500 = sent.flatMap((request) => request.fakeCalls).filter(([, status]) => status === 500);
    const groups = Object.fromEntries(
      byOutcome.failureGroups.map((group: { group: string; attempts: number }) => [
        group.group,
        group.attempts,
      ]),
    );
    expect(groups).toEqual({
      'per-minute': 1,
      'per-day': 1,
      'no-free-tier': 2,
      'invalid-key': 1,
      suspended: 1,
      'google-5xx': calls500.length,
      'client-error': 1,
    });

    const byKey = await admin(s, '/api/stats/breakdown?by=key&range=24h');
    const refused = Object.fromEntries(
      byKey.mostRefused.map(
        (row: { keyId: string; answers400: number; answers403: number; answers429: number }) => [
          row.keyId,
          [row.answers400, row.answers403, row.answers429],
        ],
      ),
    );
    expect(refused[keyIdOf(s, kinds['quota-day']) ?? '']).toEqual([0, 0, 1]);
    expect(refused[keyIdOf(s, kinds.suspended) ?? '']).toEqual([0, 1, 0]);
    expect(refused[keyIdOf(s, kinds.ok) ?? '']).toEqual([1, 0, 0]);
    const okRow = byKey.rows.find((row: { keyId: string }) => row.keyId === keyIdOf(s, kinds.ok));
    expect(okRow).toMatchObject({ requests: 4, masked: expect.stringContaining('…') });

    const byClientRows = await admin(s, '/api/stats/breakdown?by=client&range=30d');
    const client = clientIdentityOf(clientToken);
    expect(
      byClientRows.rows.map((row: { name: string; label: string; requests: number }) => [
        row.name,
        row.label,
        row.requests,
      ]),
    ).toEqual([
      ['admin', 'admin token', sent.length - 1],
      [client.id, client.label, 1],
    ]);

    // The request log, newest first, page by page; each row's attempts are the calls the fake saw.
    const rows: { id: number; errorClass: string | null; status: number }[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await admin(s, `/api/logs/requests?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      rows.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(rows.map((row) => row.status)).toEqual(sent.map((request) => request.status).reverse());
    for (const [index, row] of [...rows].reverse().entries()) {
      const request = sent[index];
      const detail = await admin(s, `/api/logs/requests/${row.id}`);
      expect(detail.errorClass).toBe(request?.kind === 'ok' ? null : request?.kind);
      expect(
        detail.attemptTrace.map((attempt: { key: { id: string }; status: number }) => [
          attempt.key.id,
          attempt.status,
        ]),
      ).toEqual(request?.fakeCalls);
      if (request?.kind === 'quota-day') {
        // Google's answer, then the pool's once the key rested.
        expect(
          detail.errors.map((error: { errorType: string; status: number }) => [
            error.errorType,
            error.status,
          ]),
        ).toEqual([
          ['quota-day', 429],
          ['no-usable-key', 429],
        ]);
      }
    }

    const quotaDay = await admin(s, '/api/logs/requests?outcome=quota-day');
    expect(quotaDay.items.map((item: { key: { id: string } }) => item.key.id)).toEqual([
      keyIdOf(s, kinds['quota-day']),
    ]);
    const okOnly = await admin(s, `/api/logs/requests?outcome=ok&client=${client.id}`);
    expect(okOnly.items).toHaveLength(1);
    const failures = await admin(s, '/api/logs/requests?status=4xx&order=asc');
    expect(failures.items.map((item: { errorClass: string }) => item.errorClass)).toEqual([
      'quota-minute',
      'quota-day',
      'precondition',
      'invalid-key',
      'suspended',
      'client-error',
    ]);
    const errors = await admin(s, '/api/logs/errors?outcome=suspended');
    expect(errors.items).toHaveLength(1);
    expect(errors.items[0]).toMatchObject({ status: 403, key: { id: keyIdOf(s, kinds.suspended) } });
  });

  it('exports a filtered set, deletes by filter, and keeps the statistics when rows go', async () => {
    const s = await start();
    const url = `${s.url}/v1beta/models/${model}:generateContent`;
    for (let index = 0; index < 5; index++) {
      const response = await post(url, generateBody(`question ${index}`), { 'x-goog-api-key': clientToken });
      await response.text();
    }
    await s.gateway.logWriter.flush();
    const ndjson = await fetch(`${s.url}/api/logs/requests/export?format=ndjson`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    expect(ndjson.headers.get('content-type')).toContain('ndjson');
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ status: 200, route: 'gemini generateContent' });
    const csv = await fetch(`${s.url}/api/logs/requests/export?format=csv&status=200`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    const csvLines = (await csv.text()).trim().split('\r\n');
    expect(csvLines).toHaveLength(6);
    expect(csvLines[0]).toContain('id,at,route,model,key.id,key.masked');

    const deleted = await admin(s, '/api/logs/requests/delete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filter: { status: '200' } }),
    });
    expect(deleted).toEqual({ deleted: 5 });
    expect((await admin(s, '/api/logs/requests')).items).toEqual([]);
    expect((await admin(s, '/api/stats/summary')).hour.requests).toBe(5);
  });

  it('refuses malformed queries with a 400 in the operator shape', async () => {
    const s = await start();
    for (const path of [
      '/api/logs/requests?limit=0',
      '/api/logs/requests?limit=abc',
      '/api/logs/requests?cursor=bm90LWEtY3Vyc29y',
      '/api/logs/requests?from=yesterday',
      '/api/logs/requests?status=600',
      '/api/logs/requests?key=ZZZ',
      '/api/logs/requests?unknown=1',
      '/api/logs/requests?model=a&model=b',
      `/api/logs/requests?text=${'x'.repeat(300)}`,
      '/api/logs/requests/abc',
      '/api/logs/errors/99999999999999999999',
      '/api/stats/series?range=2y',
      '/api/stats/series?by=key',
      '/api/stats/breakdown',
      '/api/stats/breakdown?by=weather',
      '/api/logs/requests/export?format=xlsx',
    ]) {
      const response = await fetch(`${s.url}${path}`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toMatchObject({ error: { code: 400 } });
    }
    for (const body of [
      '{"ids":[]}',
      '{"ids":[-1]}',
      '{"all":false}',
      '{"filter":{"status":"x"}}',
      'nope',
      '[]',
    ]) {
      const response = await fetch(`${s.url}/api/logs/errors/delete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
        body,
      });
      expect(response.status, body).toBe(400);
    }
    // Bad UTF-8, quotes, SQL and huge bodies are data, never a 500.
    for (const path of [
      '/api/logs/requests?text=%FF%FE%80',
      `/api/logs/errors?text=${encodeURIComponent("'; drop table request_log; --")}`,
      `/api/logs/requests?model=${encodeURIComponent('" or 1=1 --')}`,
      '/api/logs/requests/export?format=csv&text=%00',
      '/api/stats/breakdown?by=key&limit=500&range=30d',
    ]) {
      const response = await fetch(`${s.url}${path}`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      expect(response.status, path).toBe(200);
      await response.text();
    }
    const huge = await fetch(`${s.url}/api/logs/requests/delete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: Array.from({ length: 20_000 }, (_, index) => index + 1) }),
    });
    expect(huge.status).toBe(400);
    const deep = await fetch(`${s.url}/api/logs/requests/delete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      body: `${'{"filter":'.repeat(5000)}{}${'}'.repeat(5000)}`,
    });
    expect(deep.status).toBe(400);
    // Text with LIKE's wildcards matches them literally.
    const literal = await admin(s, `/api/logs/errors?text=${encodeURIComponent('%_!')}`);
    expect(literal.items).toEqual([]);
    expect(
      (
        await fetch(`${s.url}/api/logs/requests/424242`, {
          headers: { authorization: `Bearer ${s.adminToken}` },
        })
      ).status,
    ).toBe(404);
  });
});
