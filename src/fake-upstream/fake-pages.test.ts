import { describe, expect, it } from 'vitest';
import { googleTime, pageOf } from './fake-pages.js';

const sizes = { defaultSize: 2, maxSize: 3 };
const items = ['a', 'b', 'c', 'd', 'e'];

describe('pageOf', () => {
  it('walks every item once, page by page, and ends without a token', () => {
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: ReturnType<typeof pageOf<string>> = pageOf(items, '2', token, sizes);
      if (result === 'bad-token') throw new Error('bad token');
      seen.push(...result.items);
      if (result.nextPageToken === undefined) break;
      token = result.nextPageToken;
    }
    expect(seen).toEqual(items);
  });

  it.each([
    [null, 2],
    ['0', 2],
    ['x', 2],
    ['1', 1],
    ['50', 3],
  ])('pageSize %s gives %i items', (pageSize, count) => {
    const result = pageOf(items, pageSize, null, sizes);
    expect(result !== 'bad-token' && result.items.length).toBe(count);
  });

  it('refuses a token it did not make', () => {
    expect(pageOf(items, null, 'not-a-token', sizes)).toBe('bad-token');
  });
});

describe('googleTime', () => {
  it('writes microseconds as Google does', () => {
    expect(googleTime(Date.UTC(2030, 0, 2, 3, 4, 5, 678))).toBe('2030-01-02T03:04:05.678000Z');
  });
});
