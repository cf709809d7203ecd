import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['/v1beta/models?key=secret', '/v1beta/models?key=[redacted]'],
    ['/v1beta/models:x?alt=sse&key=secret&b=1', '/v1beta/models:x?alt=sse&key=[redacted]&b=1'],
    ['/v1beta/models?monkey=1', '/v1beta/models?monkey=1'],
    ['/api/keys?state=active&q=AIzaSecret&limit=5', '/api/keys?state=active&q=[redacted]&limit=5'],
    ['/api/keys?faq=1', '/api/keys?faq=1'],
    ['/health', '/health'],
    ['/gemini/v1beta/verify-key/AIzaSecret', '/gemini/v1beta/verify-key/[redacted]'],
    ['/gemini/v1beta/verify-key/AIza%2FSecret?x=1', '/gemini/v1beta/verify-key/[redacted]?x=1'],
    ['/gemini/v1beta/reset-fail-count/AIzaSecret/', '/gemini/v1beta/reset-fail-count/[redacted]/'],
    ['/v1beta/VERIFY-KEY/AIzaSecret', '/v1beta/VERIFY-KEY/[redacted]'],
    ['/gemini/v1beta/verify-selected-keys', '/gemini/v1beta/verify-selected-keys'],
    ['/gemini/v1beta/verify-key/', '/gemini/v1beta/verify-key/'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
