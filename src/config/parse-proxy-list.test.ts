import { describe, expect, it } from 'vitest';
import { parseProxyList } from './parse-proxy-list.js';

describe('parseProxyList', () => {
  it('takes addresses, ranges and the range names, as a list or JSON', () => {
    expect(parseProxyList('10.0.0.5, 172.16.0.0/12,fd00::/8 , loopback')).toEqual([
      '10.0.0.5',
      '172.16.0.0/12',
      'fd00::/8',
      'loopback',
    ]);
    expect(parseProxyList('["::1","uniquelocal"]')).toEqual(['::1', 'uniquelocal']);
    expect(parseProxyList('')).toEqual([]);
  });

  it.each([
    ['nginx', 'entry 1'],
    ['10.0.0.5, 10.0.0.0/33', 'entry 2'],
    ['fd00::/129', 'entry 1'],
    ['10.0.0.0/8/1', 'entry 1'],
    ['*', 'entry 1'],
  ])('refuses %s, naming the entry', (text, place) => {
    expect(() => parseProxyList(text)).toThrow(place);
  });
});
