import { describe, expect, it } from 'vitest';
import { parseBaseUrl } from './parse-base-url.js';

describe('parseBaseUrl', () => {
  it.each([
    ['https://generativelanguage.googleapis.com/v1beta', 'https://generativelanguage.googleapis.com', ''],
    ['https://generativelanguage.googleapis.com', 'https://generativelanguage.googleapis.com', ''],
    ['https://generativelanguage.googleapis.com/', 'https://generativelanguage.googleapis.com', ''],
    ['https://generativelanguage.googleapis.com/v1', 'https://generativelanguage.googleapis.com', ''],
    ['https://relay.example.com/gemini/v1beta/', 'https://relay.example.com', '/gemini'],
    ['http://127.0.0.1:8001', 'http://127.0.0.1:8001', ''],
  ])('reads %s', (text, origin, pathPrefix) => {
    expect(parseBaseUrl(text)).toEqual({ origin, pathPrefix });
  });

  it.each(['not a url', 'ftp://example.com', 'https://example.com/v1beta?key=x'])('rejects %s', (text) => {
    expect(() => parseBaseUrl(text)).toThrow();
  });
});
