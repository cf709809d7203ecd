import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './parse-redis-url.js';

describe('parseRedisUrl', () => {
  it.each([
    ['', ''],
    ['  ', ''],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:pw@redis:6379/2', 'redis://:pw@redis:6379/2'],
    ['rediss://user:pw@cache.example.com', 'rediss://user:pw@cache.example.com'],
  ])('accepts %j', (text, value) => {
    expect(parseRedisUrl(text)).toBe(value);
  });

  it.each(['http://127.0.0.1:6379', 'redis://', 'redis://host/not-a-db', 'not a url', 'redis://h:6379/0/1'])(
    'refuses %j',
    (text) => {
      expect(() => parseRedisUrl(text)).toThrow();
    },
  );

  it('never names the password it refuses', () => {
    try {
      parseRedisUrl('http://:hunter2-secret@redis:6379');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
      return;
    }
    throw new Error('expected a refusal');
  });
});
