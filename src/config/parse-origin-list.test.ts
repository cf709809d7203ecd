import { describe, expect, it } from 'vitest';
import { parseOriginList } from './parse-origin-list.js';

describe('parseOriginList', () => {
  it.each([
    ['*', ['*']],
    ['["*"]', ['*']],
    ['https://chat.example.com', ['https://chat.example.com']],
    ['https://chat.example.com/', ['https://chat.example.com']],
    ['HTTPS://Chat.Example.COM', ['https://chat.example.com']],
    ['https://a.example:443, http://localhost:3000', ['https://a.example', 'http://localhost:3000']],
    ['["http://127.0.0.1:8080","https://[::1]:9000"]', ['http://127.0.0.1:8080', 'https://[::1]:9000']],
  ])('%s → %j', (text, expected) => {
    expect(parseOriginList(text)).toEqual(expected);
  });

  it.each([
    ['*, https://a.example', /either \* alone/],
    ['chat.example.com', /entry 1: expected an origin/],
    ['https://a.example, https://b.example/path', /entry 2: expected an origin/],
    ['https://a.example?x=1', /entry 1/],
    ['https://user:secret@a.example', /entry 1/],
    ['ftp://a.example', /entry 1/],
    ['null', /entry 1/],
  ])('refuses %s', (text, message) => {
    expect(() => parseOriginList(text)).toThrow(message);
  });

  it('never repeats the value it refuses', () => {
    expect(() => parseOriginList('https://user:hunter2@a.example')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
