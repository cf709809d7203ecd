import { createHash } from 'node:crypto';
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';

// The fake upstream's Files API and cachedContents, driven by the official @google/genai client
// pointed straight at it, and by raw HTTP for the parts of the upload protocol the client hides.

const MiB = 1024 * 1024;
const hourMs = 60 * 60 * 1000;

interface ErrorBody {
  error: { code: number; message: string; status: string };
}

let fake: FakeUpstream;
/** The fake's clock: real time plus what a test has skipped. */
let skippedMs = 0;

beforeAll(async () => {
  fake = await createFakeUpstream({ now: () => Date.now() + skippedMs });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  skippedMs = 0;
});

const client = (key: string) => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: fake.url } });

/** Bytes that differ from offset to offset, so a lost or reordered chunk changes the hash. */
function patterned(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(Math.ceil(size / 4) * 4);
  let state = seed;
  for (let index = 0; index < bytes.length; index += 4) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes.writeUInt32LE(state, index);
  }
  return bytes.subarray(0, size);
}

const sha256Base64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
const idOf = (name: string | undefined) => (name ?? '').replace(/^files\//, '');

async function upload(key: string, bytes: Buffer, displayName?: string, mimeType = 'text/plain') {
  return client(key).files.upload({
    file: new Blob([bytes], { type: mimeType }),
    config: displayName === undefined ? {} : { displayName },
  });
}

async function rawCall(method: string, path: string, key: string | undefined, body?: unknown) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { ...(key ? { 'x-goog-api-key': key } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function startUpload(
  key: string,
  size: number,
  body: string = JSON.stringify({ file: { displayName: 'raw' } }),
  auth: 'header' | 'query' = 'header',
) {
  const response = await fetch(`${fake.url}/upload/v1beta/files${auth === 'query' ? `?key=${key}` : ''}`, {
    method: 'POST',
    headers: {
      ...(auth === 'header' ? { 'x-goog-api-key': key } : {}),
      'content-type': 'application/json',
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-upload-header-content-length': String(size),
      'x-goog-upload-header-content-type': 'application/octet-stream',
    },
    body,
  });
  return { response, uploadUrl: response.headers.get('x-goog-upload-url') ?? '' };
}

function sendChunk(
  uploadUrl: string,
  command: string,
  offset: number | undefined,
  body?: RequestInit['body'],
) {
  return fetch(uploadUrl, {
    method: 'POST',
    headers: {
      'x-goog-upload-command': command,
      ...(offset === undefined ? {} : { 'x-goog-upload-offset': String(offset) }),
    },
    ...(body === undefined ? {} : { body, duplex: 'half' }),
  } as RequestInit);
}

describe('Files API through @google/genai', () => {
  it('uploads a small Blob in one chunk and answers Google’s File', async () => {
    const bytes = Buffer.from('hello, files');
    const file = await upload('ok-a', bytes, 'greeting');
    const id = idOf(file.name);
    expect(id).toMatch(/^[a-z0-9]{12}$/);
    expect(file).toEqual({
      name: `files/${id}`,
      displayName: 'greeting',
      mimeType: 'text/plain',
      sizeBytes: String(bytes.length),
      createTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      updateTime: file.createTime,
      expirationTime: expect.any(String),
      sha256Hash: sha256Base64(bytes),
      uri: `${fake.url}/v1beta/files/${id}`,
      state: 'ACTIVE',
      source: 'UPLOADED',
    });
    expect(Date.parse(file.expirationTime ?? '') - Date.parse(file.createTime ?? '')).toBe(48 * hourMs);

    const [start, chunk, ...rest] = fake.requests;
    expect(rest).toEqual([]);
    expect(start).toMatchObject({ method: 'POST', url: '/upload/v1beta/files', key: 'ok-a', status: 200 });
    expect(start?.headers).toMatchObject({
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      'x-goog-upload-header-content-length': String(bytes.length),
      'x-goog-upload-header-content-type': 'text/plain',
    });
    expect(chunk).toMatchObject({ method: 'POST', key: undefined, keySource: 'none', body: '', status: 200 });
    expect(chunk?.url).toMatch(/^\/upload\/v1beta\/files\?upload_id=[\w-]+&upload_protocol=resumable$/);
    expect(chunk?.headers).toMatchObject({
      'x-goog-upload-command': 'upload, finalize',
      'x-goog-upload-offset': '0',
    });
    expect(fake.callsFor('ok-a')).toBe(1);
    expect(fake.files()).toEqual([
      {
        name: `files/${id}`,
        ownerKey: 'ok-a',
        sizeBytes: String(bytes.length),
        sha256Hash: sha256Base64(bytes),
      },
    ]);
  });

  it('uploads more than 8 MiB in 8 MiB chunks at growing offsets, hashing every byte in order', async () => {
    const bytes = patterned(20 * MiB + 123);
    const file = await upload('ok-a', bytes, 'big', 'application/octet-stream');
    expect(file.sizeBytes).toBe(String(bytes.length));
    expect(file.sha256Hash).toBe(sha256Base64(bytes));
    const chunks = fake.requests.filter((request) => request.url.includes('upload_id='));
    expect(chunks.map((request) => request.headers['x-goog-upload-command'])).toEqual([
      'upload',
      'upload',
      'upload, finalize',
    ]);
    expect(chunks.map((request) => request.headers['x-goog-upload-offset'])).toEqual([
      '0',
      String(8 * MiB),
      String(16 * MiB),
    ]);
    expect(chunks.every((request) => request.key === undefined && request.body === '')).toBe(true);
    // The fake read each 8 MiB chunk piece by piece, never whole.
    expect(fake.uploadPeakBufferedBytes()).toBeGreaterThan(0);
    expect(fake.uploadPeakBufferedBytes()).toBeLessThan(2 * MiB);
  });

  it('gets a file, lists the key’s own files across pages, and deletes one', async () => {
    const names: string[] = [];
    for (const label of ['one', 'two', 'three'])
      names.push((await upload('ok-a', Buffer.from(label), label)).name ?? '');
    await upload('ok-b', Buffer.from('not yours'), 'other project');
    const ai = client('ok-a');

    const got = await ai.files.get({ name: names[1] ?? '' });
    expect(got).toMatchObject({ name: names[1], displayName: 'two', sizeBytes: '3' });

    const pager = await ai.files.list({ config: { pageSize: 2 } });
    expect(pager.page).toHaveLength(2);
    expect(pager.hasNextPage()).toBe(true);
    const listed: string[] = [];
    for await (const file of pager) listed.push(file.name ?? '');
    expect(listed.sort()).toEqual([...names].sort());
    const listCalls = fake.requests.filter((request) => request.url.startsWith('/v1beta/files?'));
    expect(listCalls).toHaveLength(2);
    expect(listCalls[1]?.url).toContain('pageToken=');

    await ai.files.delete({ name: names[0] ?? '' });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', status: 200 });
    await expect(ai.files.get({ name: names[0] ?? '' })).rejects.toMatchObject({ status: 403 });
    expect(fake.files().map((file) => file.name)).not.toContain(names[0]);
  });

  it('lists nothing as {} for a key that uploaded nothing', async () => {
    await upload('ok-a', Buffer.from('x'));
    const answer = await rawCall('GET', '/v1beta/files', 'ok-empty');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({});
  });

  it('refuses another project’s file with Google’s 403, on get, delete, generate, stream and countTokens', async () => {
    const file = await upload('ok-a', Buffer.from('secret'), 'secret notes');
    const id = idOf(file.name);
    const message = `You do not have permission to access the File ${id} or it may not exist.`;
    const other = client('ok-b');
    await expect(other.files.get({ name: file.name ?? '' })).rejects.toMatchObject({ status: 403 });
    const raw = await rawCall('GET', `/v1beta/files/${id}`, 'ok-b');
    expect(raw.status).toBe(403);
    expect(JSON.parse(raw.text)).toEqual({ error: { code: 403, message, status: 'PERMISSION_DENIED' } });
    expect((await rawCall('DELETE', `/v1beta/files/${id}`, 'ok-b')).status).toBe(403);
    expect(fake.files()).toHaveLength(1);

    const contents = [
      {
        role: 'user',
        parts: [{ text: 'summarise' }, { fileData: { fileUri: file.uri ?? '', mimeType: 'text/plain' } }],
      },
    ];
    const refused = other.models.generateContent({ model: 'gemini-2.5-flash', contents });
    await expect(refused).rejects.toMatchObject({ status: 403 });
    await expect(refused).rejects.toThrow(message);
    const stream = other.models.generateContentStream({ model: 'gemini-2.5-flash', contents });
    await expect(stream).rejects.toMatchObject({ status: 403 });
    await expect(other.models.countTokens({ model: 'gemini-2.5-flash', contents })).rejects.toMatchObject({
      status: 403,
    });
    // The short `files/<id>` form names the same file.
    const short = await rawCall('POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'ok-b', {
      contents: [{ parts: [{ fileData: { fileUri: `files/${id}` } }, { text: 'x' }] }],
    });
    expect(short.status).toBe(403);
    expect((JSON.parse(short.text) as ErrorBody).error.message).toBe(message);
  });

  it('answers the owner’s generation with the file read, and leaves URIs that are not Files API URIs alone', async () => {
    const file = await upload('ok-a', Buffer.from('owned'), 'my notes');
    const ai = client('ok-a');
    const answer = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [{ fileData: { fileUri: file.uri ?? '', mimeType: 'text/plain' } }, { text: 'summarise' }],
        },
      ],
    });
    expect(answer.text).toContain('[file my notes, text/plain, 5 bytes]');

    const youtube = await client('ok-b').models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [
            { fileData: { fileUri: 'https://www.youtube.com/watch?v=9hE5-98ZeCg', mimeType: 'video/*' } },
            { fileData: { fileUri: 'gs://bucket/object.pdf', mimeType: 'application/pdf' } },
            { text: 'describe' },
          ],
        },
      ],
    });
    expect(youtube.text).toContain('Echo: describe');
  });

  it('refuses a file that exists nowhere with the same 403', async () => {
    const answer = await rawCall('GET', '/v1beta/files/nosuchfile12', 'ok-a');
    expect(answer.status).toBe(403);
    expect((JSON.parse(answer.text) as ErrorBody).error.message).toBe(
      'You do not have permission to access the File nosuchfile12 or it may not exist.',
    );
  });

  it('lets a file expire 48 hours after its upload', async () => {
    const file = await upload('ok-a', Buffer.from('short-lived'));
    skippedMs = 48 * hourMs - 60_000;
    expect((await rawCall('GET', `/v1beta/${file.name}`, 'ok-a')).status).toBe(200);
    skippedMs = 48 * hourMs + 1;
    expect((await rawCall('GET', `/v1beta/${file.name}`, 'ok-a')).status).toBe(403);
    expect(fake.files()).toEqual([]);
  });

  it('fails invalid and suspended keys as on any other call', async () => {
    await expect(client('invalid-x').files.list()).rejects.toMatchObject({ status: 400 });
    const suspended = await rawCall('GET', '/v1beta/files', 'suspended-x');
    expect(suspended.status).toBe(403);
    expect(suspended.text).toContain('CONSUMER_SUSPENDED');
    await expect(upload('invalid-x', Buffer.from('x'))).rejects.toMatchObject({ status: 400 });
    expect(fake.files()).toEqual([]);
    // A quota behaviour is about generation: files still answer.
    expect((await rawCall('GET', '/v1beta/files', 'quota-minute-x')).status).toBe(200);
  });
});

describe('resumable upload protocol', () => {
  it('answers the start with the upload URL and Google’s upload headers, and an empty body', async () => {
    const { response, uploadUrl } = await startUpload('ok-a', 3);
    expect(response.status).toBe(200);
    expect(uploadUrl).toMatch(
      new RegExp(
        `^${fake.url.replace(/\./g, '\\.')}/upload/v1beta/files\\?upload_id=[\\w-]{20,}&upload_protocol=resumable$`,
      ),
    );
    expect(response.headers.get('x-goog-upload-control-url')).toBe(uploadUrl);
    expect(response.headers.get('x-goog-upload-status')).toBe('active');
    expect(response.headers.get('x-goog-upload-chunk-granularity')).toBe('8388608');
    expect(await response.text()).toBe('');
  });

  it('takes a start with an empty body and the key in ?key=, and `finalize` alone after the bytes', async () => {
    const { response, uploadUrl } = await startUpload('ok-q', 4, '', 'query');
    expect(response.status).toBe(200);
    expect(fake.requests[0]).toMatchObject({ key: 'ok-q', keySource: 'query' });
    const first = await sendChunk(uploadUrl, 'upload', 0, 'ab');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-goog-upload-status')).toBe('active');
    expect(await first.text()).toBe('');
    expect((await sendChunk(uploadUrl, 'upload', 2, 'cd')).status).toBe(200);
    const query = await sendChunk(uploadUrl, 'query', undefined);
    expect(query.headers.get('x-goog-upload-size-received')).toBe('4');
    const final = await sendChunk(uploadUrl, 'finalize', undefined);
    expect(final.status).toBe(200);
    expect(final.headers.get('x-goog-upload-status')).toBe('final');
    expect(final.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const { file } = (await final.json()) as { file: Record<string, unknown> };
    expect(file).toMatchObject({
      sizeBytes: '4',
      mimeType: 'application/octet-stream',
      sha256Hash: sha256Base64(Buffer.from('abcd')),
    });
    expect(file.displayName).toBeUndefined();
    expect(fake.files()[0]?.ownerKey).toBe('ok-q');
  });

  it('refuses a chunk at the wrong offset with a 400, then takes the right one', async () => {
    const { uploadUrl } = await startUpload('ok-a', 6);
    expect((await sendChunk(uploadUrl, 'upload', 0, 'abc')).status).toBe(200);
    const wrong = await sendChunk(uploadUrl, 'upload, finalize', 2, 'def');
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as ErrorBody).error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
    });
    const missing = await sendChunk(uploadUrl, 'upload', undefined, 'def');
    expect(missing.status).toBe(400);
    await missing.text();
    const right = await sendChunk(uploadUrl, 'upload, finalize', 3, 'def');
    expect(right.status).toBe(200);
    expect(((await right.json()) as { file: { sha256Hash: string } }).file.sha256Hash).toBe(
      sha256Base64(Buffer.from('abcdef')),
    );
  });

  it('refuses a finalize whose size is not the announced one', async () => {
    const { uploadUrl } = await startUpload('ok-a', 10);
    const short = await sendChunk(uploadUrl, 'upload, finalize', 0, 'abc');
    expect(short.status).toBe(400);
    expect(((await short.json()) as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    expect(fake.files()).toEqual([]);
  });

  it('answers 404 NOT_FOUND for an upload id it never gave', async () => {
    const answer = await sendChunk(
      `${fake.url}/upload/v1beta/files?upload_id=made-up&upload_protocol=resumable`,
      'upload, finalize',
      0,
      'x',
    );
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as ErrorBody).error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(fake.lastRequest()).toMatchObject({ key: undefined, status: 404 });
  });

  it('refuses a start without a key, as Google refuses unregistered callers', async () => {
    const answer = await fetch(`${fake.url}/upload/v1beta/files`, {
      method: 'POST',
      headers: { 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' },
    });
    expect(answer.status).toBe(403);
    await answer.text();
  });

  it('streams 300 MB through without holding it: small growth of the process, small pieces', async () => {
    const total = 300 * 1000 * 1000;
    const piece = patterned(MiB, 7);
    const expected = createHash('sha256');
    const { uploadUrl } = await startUpload('ok-a', total);
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    try {
      for (let offset = 0; offset < total; offset += 8 * MiB) {
        const size = Math.min(8 * MiB, total - offset);
        const last = offset + size >= total;
        // The chunk's body comes from a generator, 1 MiB at a time: the client holds no chunk whole either.
        async function* pieces() {
          for (let sent = 0; sent < size; sent += piece.length) {
            const part = piece.subarray(0, Math.min(piece.length, size - sent));
            expected.update(part);
            yield part;
          }
        }
        const answer = await sendChunk(
          uploadUrl,
          last ? 'upload, finalize' : 'upload',
          offset,
          ReadableStream.from(pieces()) as unknown as RequestInit['body'],
        );
        expect(answer.status).toBe(200);
        if (!last) {
          expect(await answer.text()).toBe('');
          continue;
        }
        const { file } = (await answer.json()) as { file: { sizeBytes: string; sha256Hash: string } };
        expect(file.sizeBytes).toBe(String(total));
        expect(file.sha256Hash).toBe(expected.digest('base64'));
      }
    } finally {
      clearInterval(sampler);
    }
    const growthMB = (peakRss - before.rss) / 1e6;
    expect(growthMB).toBeLessThan(100);
    expect(fake.uploadPeakBufferedBytes()).toBeLessThan(2 * MiB);
  }, 120_000);
});

describe('cachedContents through @google/genai', () => {
  const document = 'The fake upstream keeps this long document for later calls. '.repeat(40);

  async function createCache(key: string, extra: Record<string, unknown> = {}) {
    return client(key).caches.create({
      model: 'gemini-2.5-flash',
      config: {
        contents: [{ role: 'user', parts: [{ text: document }] }],
        systemInstruction: 'Answer from the document.',
        displayName: 'doc cache',
        ttl: '600s',
        ...extra,
      },
    });
  }

  it('creates, gets, lists across pages, updates and deletes, in Google’s shapes', async () => {
    const ai = client('ok-a');
    const cache = await createCache('ok-a');
    expect(cache).toEqual({
      name: expect.stringMatching(/^cachedContents\/[a-z0-9]{12}$/),
      model: 'models/gemini-2.5-flash',
      displayName: 'doc cache',
      createTime: expect.any(String),
      updateTime: cache.createTime,
      expireTime: expect.any(String),
      usageMetadata: { totalTokenCount: expect.any(Number) },
    });
    expect(Date.parse(cache.expireTime ?? '') - Date.parse(cache.createTime ?? '')).toBe(600_000);
    expect(cache.usageMetadata?.totalTokenCount).toBeGreaterThan(500);
    expect(await ai.caches.get({ name: cache.name ?? '' })).toEqual(cache);

    const second = await createCache('ok-a', { displayName: 'second' });
    await createCache('ok-b');
    const pager = await ai.caches.list({ config: { pageSize: 1 } });
    const listed: string[] = [];
    for await (const item of pager) listed.push(item.name ?? '');
    expect(listed.sort()).toEqual([cache.name, second.name].sort());
    expect(fake.requests.filter((request) => request.url.startsWith('/v1beta/cachedContents?'))).toHaveLength(
      2,
    );

    const updated = await ai.caches.update({ name: cache.name ?? '', config: { ttl: '7200s' } });
    expect(Date.parse(updated.expireTime ?? '') - Date.parse(updated.updateTime ?? '')).toBe(2 * hourMs);
    expect(updated.createTime).toBe(cache.createTime);

    await ai.caches.delete({ name: cache.name ?? '' });
    await expect(ai.caches.get({ name: cache.name ?? '' })).rejects.toMatchObject({ status: 403 });
    expect(fake.cachedContents().map((item) => [item.name, item.ownerKey])).toEqual(
      expect.arrayContaining([[second.name, 'ok-a']]),
    );
    expect(fake.cachedContents()).toHaveLength(2);
  });

  it('takes PATCH with ?updateMask=ttl or expireTime, and refuses other paths', async () => {
    const cache = await createCache('ok-a');
    const byTtl = await rawCall('PATCH', `/v1beta/${cache.name}?updateMask=ttl`, 'ok-a', { ttl: '60s' });
    expect(byTtl.status).toBe(200);
    const expireTime = new Date(Date.now() + 3 * hourMs).toISOString();
    const byTime = await rawCall('PATCH', `/v1beta/${cache.name}?updateMask=expireTime`, 'ok-a', {
      expireTime,
    });
    expect(byTime.status).toBe(200);
    expect(Date.parse((JSON.parse(byTime.text) as { expireTime: string }).expireTime)).toBe(
      Date.parse(expireTime),
    );
    const model = await rawCall('PATCH', `/v1beta/${cache.name}?updateMask=model`, 'ok-a', { model: 'x' });
    expect(model.status).toBe(400);
    const otherKey = await rawCall('PATCH', `/v1beta/${cache.name}?updateMask=ttl`, 'ok-b', { ttl: '60s' });
    expect(otherKey.status).toBe(403);
  });

  it('generates from the caller’s cache, reporting its tokens as cached', async () => {
    const cache = await createCache('ok-a');
    const answer = await client('ok-a').models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'What does it keep?',
      config: { cachedContent: cache.name ?? '' },
    });
    expect(answer.text).toContain('Echo: What does it keep?');
    const tokens = cache.usageMetadata?.totalTokenCount ?? 0;
    expect(answer.usageMetadata?.cachedContentTokenCount).toBe(tokens);
    expect(answer.usageMetadata?.promptTokenCount).toBeGreaterThan(tokens);
    const streamed = await client('ok-a').models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'again',
      config: { cachedContent: cache.name ?? '' },
    });
    for await (const chunk of streamed) expect(chunk.usageMetadata?.cachedContentTokenCount).toBe(tokens);
  });

  it('refuses another project’s cache (403), another model (400), and a system instruction beside it (400)', async () => {
    const cache = await createCache('ok-a');
    const body = { contents: [{ role: 'user', parts: [{ text: 'q' }] }], cachedContent: cache.name };
    const other = await rawCall('POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'ok-b', body);
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text)).toEqual({
      error: {
        code: 403,
        message: 'CachedContent not found (or permission denied)',
        status: 'PERMISSION_DENIED',
      },
    });
    await expect(client('ok-b').caches.get({ name: cache.name ?? '' })).rejects.toMatchObject({
      status: 403,
    });
    expect((await rawCall('DELETE', `/v1beta/${cache.name}`, 'ok-b')).status).toBe(403);

    const model = await rawCall('POST', '/v1beta/models/gemini-2.5-pro:generateContent', 'ok-a', body);
    expect(model.status).toBe(400);
    expect((JSON.parse(model.text) as ErrorBody).error.message).toBe(
      'Model used by GenerateContent request (models/gemini-2.5-pro) and CachedContent (models/gemini-2.5-flash) has to be the same.',
    );
    const beside = await rawCall('POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'ok-a', {
      ...body,
      systemInstruction: { parts: [{ text: 'no' }] },
    });
    expect(beside.status).toBe(400);
    expect((JSON.parse(beside.text) as ErrorBody).error.message).toContain(
      'CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.',
    );
  });

  it('refuses a cache of another project’s file', async () => {
    const file = await upload('ok-a', Buffer.from('a'), 'a');
    const refused = client('ok-b').caches.create({
      model: 'gemini-2.5-flash',
      config: {
        contents: [
          { role: 'user', parts: [{ fileData: { fileUri: file.uri ?? '', mimeType: 'text/plain' } }] },
        ],
      },
    });
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(fake.cachedContents()).toEqual([]);
  });

  it('lets a cache vanish once expired, and defaults to an hour', async () => {
    const cache = await createCache('ok-a', { ttl: undefined });
    expect(Date.parse(cache.expireTime ?? '') - Date.parse(cache.createTime ?? '')).toBe(hourMs);
    skippedMs = hourMs + 1;
    const answer = await rawCall('POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'ok-a', {
      contents: [{ role: 'user', parts: [{ text: 'q' }] }],
      cachedContent: cache.name,
    });
    expect(answer.status).toBe(403);
    expect(fake.cachedContents()).toEqual([]);
    expect(JSON.parse((await rawCall('GET', '/v1beta/cachedContents', 'ok-a')).text)).toEqual({});
  });

  it('refuses a ttl that is not a duration and an unknown model', async () => {
    const ttl = await rawCall('POST', '/v1beta/cachedContents', 'ok-a', {
      model: 'models/gemini-2.5-flash',
      ttl: '10m',
    });
    expect(ttl.status).toBe(400);
    const model = await rawCall('POST', '/v1beta/cachedContents', 'ok-a', {
      model: 'models/gemini-9-ultra',
      ttl: '60s',
    });
    expect(model.status).toBe(404);
  });
});
