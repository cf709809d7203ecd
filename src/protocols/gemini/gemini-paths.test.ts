import { describe, expect, it } from 'vitest';
import { adjustModelList, parseModelTarget, upstreamQuery } from './gemini-paths.js';

describe('parseModelTarget', () => {
  it.each([
    ['gemini-2.5-flash:generateContent', { model: 'gemini-2.5-flash', method: 'generateContent' }],
    [
      'gemini-2.5-flash-001:streamGenerateContent',
      { model: 'gemini-2.5-flash-001', method: 'streamGenerateContent' },
    ],
    ['gemini-2.5-flash', undefined],
    [':generateContent', undefined],
    ['gemini:', undefined],
  ])('%s', (target, expected) => {
    expect(parseModelTarget(target)).toEqual(expected);
  });
});

describe('upstreamQuery', () => {
  it.each([
    ['/v1beta/models/x:streamGenerateContent', ''],
    ['/v1beta/models/x:streamGenerateContent?', ''],
    ['/v1beta/models/x:streamGenerateContent?alt=sse', 'alt=sse'],
    ['/v1beta/models/x:streamGenerateContent?alt=sse&key=secret', 'alt=sse'],
    ['/v1beta/models?key=secret&pageSize=5&pageToken=abc', 'pageSize=5&pageToken=abc'],
    ['/v1beta/models?page_size=5&page_token=abc', 'page_size=5&page_token=abc'],
    ['/v1beta/cachedContents/c?updateMask=ttl', 'updateMask=ttl'],
    ['/upload/v1beta/files?uploadType=resumable', 'uploadType=resumable'],
    [
      '/upload/v1beta/files?upload_id=AB-c_1&upload_protocol=resumable',
      'upload_id=AB-c_1&upload_protocol=resumable',
    ],
    // The client's token and everything Google would read as credentials or accounting stay here.
    ['/v1beta/models?KEY=secret', ''],
    ['/v1beta/models?%6Bey=secret', ''],
    ['/v1beta/models?%6b%65%79=secret', ''],
    ['/v1beta/models?access_token=x', ''],
    ['/v1beta/models?%61ccess_token=x', ''],
    ['/v1beta/models?access%5Ftoken=x&alt=sse', 'alt=sse'],
    ['/v1beta/models?ACCESS_TOKEN=x', ''],
    ['/v1beta/models?oauth_token=x', ''],
    ['/v1beta/models?bearer_token=x', ''],
    ['/v1beta/models?callback=f&%24callback=f&$callback=f', ''],
    ['/v1beta/models?quotaUser=u&fields=models.name&prettyPrint=false&%24alt=json', ''],
    ['/v1beta/models?monkey=1', ''],
    // Names compared after decoding, so spelled-out allowed names still pass (re-encoded).
    ['/v1beta/models?%70ageSize=5', 'pageSize=5'],
    ['/v1beta/models?alt', 'alt='],
    // Values are re-encoded: nothing a client wrote can add a parameter or end the query.
    ['/v1beta/models?pageToken=a%26key%3Dk', 'pageToken=a%26key%3Dk'],
    ['/v1beta/models?pageToken=a+b', 'pageToken=a%20b'],
    ['/v1beta/models?pageToken=%0D%0Ax#y', 'pageToken=%0D%0Ax%23y'],
    ['/v1beta/models?pageToken=%E0%A4%A&pageSize=2', 'pageSize=2'],
    ['/v1beta/models?pageToken=abc%3D%3D', 'pageToken=abc%3D%3D'],
  ])('%s → %j', (url, expected) => {
    expect(upstreamQuery(url)).toBe(expected);
  });
});

describe('adjustModelList', () => {
  const none = { searchModels: [], imageModels: [], thinkingModels: [] };
  it('hides listed models and keeps the page token', () => {
    const page = Buffer.from(
      JSON.stringify({ models: [{ name: 'models/a' }, { name: 'models/b' }], nextPageToken: 't' }),
    );
    expect(JSON.parse(adjustModelList(page, new Set(['b']), none).toString())).toEqual({
      models: [{ name: 'models/a' }],
      nextPageToken: 't',
    });
    expect(adjustModelList(page, new Set(), none)).toBe(page);
  });

  it('lists the derived names after their model, on its page, with what each adds', () => {
    const flash = { name: 'models/flash', displayName: 'Flash', inputTokenLimit: 7 };
    const page = Buffer.from(JSON.stringify({ models: [flash, { name: 'models/pro' }] }));
    const lists = { searchModels: ['flash', 'pro'], imageModels: [], thinkingModels: ['flash'] };
    expect(JSON.parse(adjustModelList(page, new Set(), lists).toString()).models).toEqual([
      flash,
      { ...flash, name: 'models/flash-search', displayName: 'Flash (with Google Search)' },
      { ...flash, name: 'models/flash-non-thinking', displayName: 'Flash (no thinking)' },
      { name: 'models/pro' },
      { name: 'models/pro-search' },
    ]);
  });
});
