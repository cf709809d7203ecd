import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPartFromUri, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import type { RecordedRequest } from '../src/fake-upstream/create-fake-upstream.js';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// Google's Files API through the gateway, with the official SDK: a file lives in the project of
// the key that uploaded it, so every later call that names it must go with that key (issue 12).
const otherClient = 'sk-client-other-team-token';
const keys = ['ok-files-alpha-key-000001', 'ok-files-bravo-key-000002', 'ok-files-charlie-key-00003'];

describe('the Files API through the gateway', { timeout: 60_000 }, () => {
  let stack: Stack;
  let ai: GoogleGenAI;
  let other: GoogleGenAI;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: keys.join(','), ALLOWED_TOKENS: `${clientToken},${otherClient}` });
    ai = new GoogleGenAI({ apiKey: clientToken, httpOptions: { baseUrl: stack.url } });
    other = new GoogleGenAI({ apiKey: otherClient, httpOptions: { baseUrl: stack.url } });
  });
  afterAll(() => stack.close());

  // Where the calls of interest begin: the fake's reset() would forget its files too.
  let mark = 0;
  const callsTo = (pattern: RegExp): RecordedRequest[] =>
    stack.fake.requests.slice(mark).filter((request) => pattern.test(request.url));

  it('uploads with one key, and every later call naming the file goes with that key', async () => {
    // Larger than the SDK's 8 MiB chunk: the upload takes several chunks.
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 5, 'gemgate ');
    const file = await ai.files.upload({
      file: new Blob([bytes], { type: 'text/plain' }),
      config: { displayName: 'notes.txt' },
    });
    expect(file.name).toMatch(/^files\/[a-z0-9-]+$/);
    expect(file.sizeBytes).toBe(String(bytes.length));
    expect(file.displayName).toBe('notes.txt');

    const uploads = callsTo(/^\/upload\/v1beta\/files/);
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    const owner = uploads[0]?.key;
    expect(keys).toContain(owner);
    // Google's own upload URL travelled to the chunks; the gateway's parameters did not.
    for (const chunk of uploads.slice(1)) {
      expect(chunk.url).toContain('upload_id=');
      expect(chunk.url).not.toContain('gemgate_');
      expect(chunk.url).not.toContain(clientToken);
    }

    mark = stack.fake.requests.length;
    for (let index = 0; index < 6; index++) {
      const answer = await ai.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: [createPartFromUri(file.uri ?? '', 'text/plain'), 'Summarise the file.'],
      });
      expect(answer.text).toBeTruthy();
    }
    const generations = callsTo(/:generateContent/);
    expect(generations).toHaveLength(6);
    expect(new Set(generations.map((call) => call.key))).toEqual(new Set([owner]));

    const got = await ai.files.get({ name: file.name ?? '' });
    expect(got.name).toBe(file.name);
    const listed: string[] = [];
    for await (const each of await ai.files.list({ config: { pageSize: 5 } })) listed.push(each.name ?? '');
    expect(listed).toContain(file.name);
    expect(callsTo(/\/v1beta\/files\//).every((call) => call.key === owner)).toBe(true);

    // Another client neither sees nor uses it (FILES_USER_ISOLATION_ENABLED, on by default).
    const seen: string[] = [];
    for await (const each of await other.files.list({})) seen.push(each.name ?? '');
    expect(seen).toEqual([]);
    await expect(other.files.get({ name: file.name ?? '' })).rejects.toMatchObject({ status: 403 });
    await expect(
      other.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: [createPartFromUri(file.uri ?? '', 'text/plain'), 'Read it.'],
      }),
    ).rejects.toMatchObject({ status: 403 });

    // Its key switched off: a clear answer naming why, not another key's 403.
    const ownerId = createKeyIdentity(owner ?? '').id;
    const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    await fetch(`${stack.url}/api/keys/${ownerId}/disable`, { method: 'POST', headers: admin, body: '{}' });
    mark = stack.fake.requests.length;
    const refused = await fetch(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': clientToken },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ fileData: { fileUri: file.uri, mimeType: 'text/plain' } }] }],
      }),
    });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/holds the files .* is switched off/);
    expect(callsTo(/:generateContent/)).toEqual([]);
    await fetch(`${stack.url}/api/keys/${ownerId}/enable`, { method: 'POST', headers: admin, body: '{}' });

    await ai.files.delete({ name: file.name ?? '' });
    expect(callsTo(/\/v1beta\/files\//).at(-1)).toMatchObject({ method: 'DELETE', key: owner });
    await expect(ai.files.get({ name: file.name ?? '' })).rejects.toMatchObject({ status: 403 });
  });

  it('makes a cache with one key, and uses, reads, updates and deletes it with that key only', async () => {
    // A cache of a file is made with the file's key: Google reads the file in that project.
    const file = await ai.files.upload({
      file: new Blob(['a long document '.repeat(100)], { type: 'text/plain' }),
      config: { displayName: 'doc.txt' },
    });
    mark = stack.fake.requests.length;
    const cache = await ai.caches.create({
      model: 'gemini-2.5-flash',
      config: {
        contents: [{ role: 'user', parts: [createPartFromUri(file.uri ?? '', 'text/plain')] }],
        ttl: '600s',
        displayName: 'doc cache',
      },
    });
    expect(cache.name).toMatch(/^cachedContents\/[a-z0-9-]+$/);
    const owner = callsTo(/\/v1beta\/cachedContents$/)[0]?.key;
    const fileOwner = stack.fake.files().find((each) => each.name === file.name)?.ownerKey;
    expect(owner).toBe(fileOwner);

    for (let index = 0; index < 4; index++) {
      const answer = await ai.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'What does the document say?',
        config: { cachedContent: cache.name ?? '' },
      });
      expect(answer.usageMetadata?.cachedContentTokenCount).toBeGreaterThan(0);
    }
    const generations = callsTo(/:generateContent/);
    expect(generations).toHaveLength(4);
    expect(new Set(generations.map((call) => call.key))).toEqual(new Set([owner]));

    expect((await ai.caches.get({ name: cache.name ?? '' })).displayName).toBe('doc cache');
    const updated = await ai.caches.update({ name: cache.name ?? '', config: { ttl: '1200s' } });
    expect(Date.parse(updated.expireTime ?? '')).toBeGreaterThan(Date.parse(cache.expireTime ?? ''));
    const listed: string[] = [];
    for await (const each of await ai.caches.list({})) listed.push(each.name ?? '');
    expect(listed).toEqual([cache.name]);
    expect(callsTo(/\/v1beta\/cachedContents\//).every((call) => call.key === owner)).toBe(true);

    const seen: string[] = [];
    for await (const each of await other.caches.list({})) seen.push(each.name ?? '');
    expect(seen).toEqual([]);
    await expect(other.caches.get({ name: cache.name ?? '' })).rejects.toMatchObject({ status: 403 });
    await expect(
      other.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'Read it.',
        config: { cachedContent: cache.name ?? '' },
      }),
    ).rejects.toMatchObject({ status: 403 });

    await ai.caches.delete({ name: cache.name ?? '' });
    expect(callsTo(/\/v1beta\/cachedContents\//).at(-1)).toMatchObject({ method: 'DELETE', key: owner });
    await expect(ai.caches.get({ name: cache.name ?? '' })).rejects.toMatchObject({ status: 403 });
  });

  it('serves an OpenAI chat naming a file by file_id with the key that holds it', async () => {
    const file = await ai.files.upload({
      file: new Blob(['minutes of the meeting'], { type: 'text/plain' }),
      config: { displayName: 'minutes.txt' },
    });
    const owner = stack.fake.files().find((each) => each.name === file.name)?.ownerKey;
    const chat = (token: string) =>
      new OpenAI({ apiKey: token, baseURL: `${stack.url}/v1`, maxRetries: 0 }).chat.completions.create({
        model: 'gemini-2.5-flash',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', file: { file_id: file.name ?? '', filename: 'minutes.txt' } },
              { type: 'text', text: 'What was decided?' },
            ],
          },
        ],
      });
    mark = stack.fake.requests.length;
    for (let index = 0; index < 4; index++) {
      const answer = await chat(clientToken);
      expect(answer.choices[0]?.message.content).toContain('minutes.txt');
    }
    const generations = callsTo(/:generateContent/);
    expect(generations).toHaveLength(4);
    expect(new Set(generations.map((call) => call.key))).toEqual(new Set([owner]));
    // Another client's file: refused in OpenAI's shape, with Google's words.
    await expect(chat(otherClient)).rejects.toMatchObject({
      status: 403,
      error: { message: expect.stringContaining('permission to access the File') },
    });
  });

  it('refuses a chunk for an upload the gateway did not start, or another client started', async () => {
    const chunk = (query: string, token = clientToken) =>
      fetch(`${stack.url}/upload/v1beta/files?${query}`, {
        method: 'POST',
        headers: {
          'x-goog-api-key': token,
          'x-goog-upload-command': 'upload, finalize',
          'x-goog-upload-offset': '0',
        },
        body: 'bytes',
      });
    expect((await chunk('upload_id=made-up')).status).toBe(404);
    expect((await chunk('upload_id=x&gemgate_key=../../models&gemgate_client=admin')).status).toBe(404);
    const start = await fetch(`${stack.url}/upload/v1beta/files`, {
      method: 'POST',
      headers: {
        'x-goog-api-key': clientToken,
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
        'x-goog-upload-header-content-length': '5',
        'x-goog-upload-header-content-type': 'text/plain',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ file: { displayName: 'five' } }),
    });
    expect(start.status).toBe(200);
    const url = new URL(start.headers.get('x-goog-upload-url') ?? '');
    expect(url.origin).toBe(new URL(stack.url).origin);
    expect(url.search).not.toContain(clientToken);
    const stolen = await chunk(url.search.slice(1), otherClient);
    expect(stolen.status).toBe(404);
    const own = await chunk(url.search.slice(1));
    expect(own.status).toBe(200);
    expect(own.headers.get('x-goog-upload-status')).toBe('final');
  });

  it('answers hostile names and bodies in Google’s shape, spending no upstream call', async () => {
    mark = stack.fake.requests.length;
    const call = (method: string, path: string, body?: string, token: string | null = clientToken) =>
      fetch(`${stack.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-goog-api-key': token } : {}) },
        ...(body === undefined ? {} : { body }),
      });
    const cases: [string, string, string | undefined, string | null, number][] = [
      ['GET', '/v1beta/files/..%2F..%2Fmodels%2Fgemini-2.5-flash', undefined, clientToken, 400],
      ['GET', `/v1beta/files/${'a'.repeat(65)}`, undefined, clientToken, 400],
      ['DELETE', '/v1beta/files/UPPER', undefined, clientToken, 400],
      ['GET', '/v1beta/cachedContents/a%00b', undefined, clientToken, 400],
      ['PATCH', '/v1beta/cachedContents/never-made', '{"ttl":"1s"}', clientToken, 403],
      ['GET', '/v1beta/files', undefined, null, 401],
      ['GET', '/gemini/v1beta/cachedContents?pageSize=-5&pageToken=%%%', undefined, clientToken, 200],
      ['POST', '/v1beta/cachedContents', '[1,2]', clientToken, 400],
      ['POST', '/upload/v1beta/files', `{"file":{"displayName":"${'x'.repeat(70_000)}"}}`, clientToken, 400],
    ];
    for (const [method, path, body, token, status] of cases) {
      const start = body?.startsWith('{"file"');
      const response = start
        ? await fetch(`${stack.url}${path}`, {
            method,
            headers: {
              'x-goog-api-key': clientToken,
              'x-goog-upload-command': 'start',
              'content-type': 'application/json',
            },
            body,
          })
        : await call(method, path, body, token);
      expect(`${method} ${path.slice(0, 60)} → ${response.status}`).toBe(
        `${method} ${path.slice(0, 60)} → ${status}`,
      );
      const answer = (await response.json()) as { error?: { code: number } };
      if (status !== 200) expect(answer.error?.code).toBe(status);
    }
    expect(callsTo(/./)).toEqual([]);
  });

  it('streams a large upload through without holding it: memory stays bounded', async () => {
    const size = 320 * 1024 * 1024;
    const piece = Buffer.alloc(8 * 1024 * 1024, 7);
    const start = await fetch(`${stack.directUrl}/upload/v1beta/files`, {
      method: 'POST',
      headers: {
        'x-goog-api-key': clientToken,
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
        'x-goog-upload-header-content-length': String(size),
        'x-goog-upload-header-content-type': 'application/octet-stream',
        'content-type': 'application/json',
      },
      body: '{"file":{"displayName":"big.bin"}}',
    });
    const uploadUrl = start.headers.get('x-goog-upload-url') ?? '';
    const before = process.memoryUsage();
    let peak = 0;
    // One request of all 320 MB, generated as it is sent: the gateway must pass it on as it comes.
    async function* generate() {
      for (let sent = 0; sent < size; sent += piece.length) {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.rss - before.rss);
        yield piece;
      }
    }
    const answer = await fetch(uploadUrl, {
      method: 'POST',
      headers: {
        'x-goog-api-key': clientToken,
        'x-goog-upload-command': 'upload, finalize',
        'x-goog-upload-offset': '0',
        'content-length': String(size),
      },
      body: ReadableStream.from(generate()),
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(200);
    const { file } = (await answer.json()) as { file: { sizeBytes: string } };
    expect(file.sizeBytes).toBe(String(size));
    // The gateway, the fake and this test share one process: 320 MB held anywhere would show.
    expect(peak).toBeLessThan(120 * 1024 * 1024);
  });
});

describe('the Files API and caches in front of a hostile upstream', { timeout: 30_000 }, () => {
  it('answers a 200 that is not what was asked for with a 502, records nothing and blames no key', async () => {
    // A relay at BASE_URL that answers every call 200 with a proxy's text and no upload URL.
    const hostile = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('upstream connect error or disconnect/reset before headers');
    });
    await new Promise<void>((done) => hostile.listen(0, '127.0.0.1', done));
    const { port } = hostile.address() as AddressInfo;
    const stack = await startStack({ API_KEYS: keys[0] ?? '', BASE_URL: `http://127.0.0.1:${port}/v1beta` });
    try {
      const headers = { 'x-goog-api-key': clientToken, 'content-type': 'application/json' };
      const start = await fetch(`${stack.url}/upload/v1beta/files`, {
        method: 'POST',
        headers: { ...headers, 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' },
        body: '{"file":{"displayName":"x"}}',
      });
      expect(start.status).toBe(502);
      expect(start.headers.get('x-goog-upload-url')).toBeNull();
      expect(((await start.json()) as { error: { code: number } }).error.code).toBe(502);
      const cache = await fetch(`${stack.url}/v1beta/cachedContents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'models/gemini-2.5-flash', contents: [] }),
      });
      expect(cache.status).toBe(502);
      const listed = await fetch(`${stack.url}/v1beta/cachedContents`, { headers });
      expect(await listed.json()).toEqual({});
      expect(stack.gateway.pool.stateOf(stack.gateway.pool.keys()[0]?.id ?? '')?.disabled).toBeUndefined();
    } finally {
      await stack.close();
      await new Promise((done) => hostile.close(done));
    }
  });
});
