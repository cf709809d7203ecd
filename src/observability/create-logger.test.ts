import { describe, expect, it } from 'vitest';
import { redactUrl } from './create-logger.js';

describe('redactUrl', () => {
  it.each([
    ['/v1beta/models?key=secret', '/v1beta/models?key=[redacted]'],
    ['/v1beta/models:x?alt=sse&key=secret&b=1', '/v1beta/models:x?alt=sse&key=[redacted]&b=1'],
    ['/v1beta/models?monkey=1', '/v1beta/models?monkey=1'],
    ['/api/keys?state=active&q=AIzaSecret&limit=5', '/api/keys?state=active&q=[redacted]&limit=5'],
    ['/api/keys?faq=1', '/api/keys?faq=1'],
    ['/health', '/health'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
