import { describe, expect, it } from 'vitest';
import { filterModelList, parseModelTarget, upstreamQuery } from './gemini-paths.js';

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
    ['/v1beta/models/x:streamGenerateContent?alt=sse', 'alt=sse'],
    ['/v1beta/models/x:streamGenerateContent?alt=sse&key=secret', 'alt=sse'],
    ['/v1beta/models?key=secret&pageSize=5&pageToken=abc', 'pageSize=5&pageToken=abc'],
    ['/v1beta/models?KEY=secret', ''],
    ['/v1beta/models?monkey=1', 'monkey=1'],
  ])('%s → %j', (url, expected) => {
    expect(upstreamQuery(url)).toBe(expected);
  });
});

describe('filterModelList', () => {
  it('hides listed models and keeps the page token', () => {
    const page = Buffer.from(
      JSON.stringify({ models: [{ name: 'models/a' }, { name: 'models/b' }], nextPageToken: 't' }),
    );
    expect(JSON.parse(filterModelList(page, new Set(['b'])).toString())).toEqual({
      models: [{ name: 'models/a' }],
      nextPageToken: 't',
    });
    expect(filterModelList(page, new Set())).toBe(page);
  });
});
