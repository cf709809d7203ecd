import { describe, expect, it } from 'vitest';
import { parseBaseUrl, parseVertexBaseUrl } from './parse-base-url.js';

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

describe('parseVertexBaseUrl', () => {
  it.each([
    [
      'https://aiplatform.googleapis.com/v1beta1/publishers/google',
      'https://aiplatform.googleapis.com',
      '/v1beta1/publishers/google',
    ],
    [
      'https://aiplatform.googleapis.com/v1/publishers/google/',
      'https://aiplatform.googleapis.com',
      '/v1/publishers/google',
    ],
    ['http://127.0.0.1:8001/v1beta', 'http://127.0.0.1:8001', '/v1beta'],
  ])('keeps the whole path of %s', (text, origin, pathPrefix) => {
    expect(parseVertexBaseUrl(text)).toEqual({ origin, pathPrefix });
  });

  it('names its own example when the text is not a URL', () => {
    expect(() => parseVertexBaseUrl('aiplatform')).toThrow(/aiplatform\.googleapis\.com\/v1beta1/);
  });
});
