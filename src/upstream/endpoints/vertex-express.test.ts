import { describe, expect, it } from 'vitest';
import type { UpstreamKey } from './endpoint.js';
import { createVertexExpressEndpoint } from './vertex-express.js';

const secret = 'vertex-express-test-key-not-real-0123456789';
const key: UpstreamKey = { id: 'key-v', secret, kind: 'vertex-express' };
const body = Buffer.from('{"contents":[]}');
const base = { origin: 'https://aiplatform.googleapis.com', pathPrefix: '/v1beta1/publishers/google' };

describe('the Vertex AI express endpoint', () => {
  it.each([
    [
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '',
      '/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent',
    ],
    [
      '/v1/models/m:streamGenerateContent',
      'alt=sse',
      '/v1beta1/publishers/google/models/m:streamGenerateContent?alt=sse',
    ],
    ['/v1beta/models/m:countTokens', '', '/v1beta1/publishers/google/models/m:countTokens'],
    // Only a leading Gemini version is Vertex AI's to replace; the rest of the path is kept.
    ['/v1beta/models/v1beta:generateContent', '', '/v1beta1/publishers/google/models/v1beta:generateContent'],
  ])('addresses %s under the publisher path', (path, query, expected) => {
    const endpoint = createVertexExpressEndpoint({ base });
    expect(endpoint).toMatchObject({ kind: 'vertex-express', origin: base.origin });
    const address = endpoint.address({ method: 'POST', path, query, body }, key);
    expect(address).toEqual({
      origin: base.origin,
      method: 'POST',
      path: expected,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': secret },
      body,
    });
    expect(address.path).not.toContain(secret);
  });

  it('adds CUSTOM_HEADERS, never over the key', () => {
    const endpoint = createVertexExpressEndpoint({
      base,
      customHeaders: { 'x-goog-api-key': 'spoofed', 'x-team': 'a' },
    });
    const address = endpoint.address({ method: 'GET', path: '/v1beta/models', query: '' }, key);
    expect(address.headers).toEqual({ 'x-goog-api-key': secret, 'x-team': 'a' });
  });
});
