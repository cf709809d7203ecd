import { describe, expect, it } from 'vitest';
import { createAiStudioEndpoint } from './ai-studio.js';
import type { UpstreamAddress, UpstreamKey, UpstreamRequest } from './endpoint.js';

const secret = 'AIzaSyExampleKeyForAddressing0123456789';
const key: UpstreamKey = { id: 'key-1', secret };
const body = Buffer.from('{"contents":[]}');
const google = { origin: 'https://generativelanguage.googleapis.com', pathPrefix: '' };
const relay = { origin: 'http://relay.internal:8080', pathPrefix: '/google' };

describe('the AI Studio endpoint', () => {
  it.each<[string, typeof google, UpstreamRequest, Omit<UpstreamAddress, 'body'>]>([
    [
      'generateContent',
      google,
      { method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent', query: '', body },
      {
        origin: google.origin,
        method: 'POST',
        path: '/v1beta/models/gemini-2.5-flash:generateContent',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': secret },
      },
    ],
    [
      'a stream, its query kept',
      google,
      { method: 'POST', path: '/v1beta/models/m:streamGenerateContent', query: 'alt=sse', body },
      {
        origin: google.origin,
        method: 'POST',
        path: '/v1beta/models/m:streamGenerateContent?alt=sse',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': secret },
      },
    ],
    [
      'a read without a body: no content type',
      google,
      { method: 'GET', path: '/v1/models', query: 'pageSize=5&pageToken=t' },
      {
        origin: google.origin,
        method: 'GET',
        path: '/v1/models?pageSize=5&pageToken=t',
        headers: { 'x-goog-api-key': secret },
      },
    ],
    [
      'a relay with a path prefix',
      relay,
      { method: 'DELETE', path: '/v1beta/files/abc', query: '' },
      {
        origin: relay.origin,
        method: 'DELETE',
        path: '/google/v1beta/files/abc',
        headers: { 'x-goog-api-key': secret },
      },
    ],
    [
      'the OpenAI-compatible passthrough: a Bearer token',
      relay,
      { method: 'POST', path: '/v1beta/openai/chat/completions', query: '', body, bearer: true },
      {
        origin: relay.origin,
        method: 'POST',
        path: '/google/v1beta/openai/chat/completions',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      },
    ],
  ])('%s', (_name, base, request, expected) => {
    const endpoint = createAiStudioEndpoint({ base });
    expect(endpoint).toMatchObject({ kind: 'ai-studio', origin: base.origin });
    for (const withKind of [key, { ...key, kind: 'ai-studio' as const }]) {
      const address = endpoint.address(request, withKind);
      expect(address).toEqual({ ...expected, body: request.body ?? null });
      // The key travels in one header, never in the URL.
      expect(address.path).not.toContain(secret);
      expect(address.origin).not.toContain(secret);
      expect(Object.values(address.headers).filter((value) => value.includes(secret))).toHaveLength(1);
    }
  });

  it('adds CUSTOM_HEADERS to every call, never over the key or the content type', () => {
    const customHeaders = {
      'x-team': 'a',
      'x-goog-api-key': 'spoofed',
      'content-type': 'text/plain',
      authorization: 'Basic relay',
    };
    const endpoint = createAiStudioEndpoint({ base: google, customHeaders });
    const post = endpoint.address(
      { method: 'POST', path: '/v1beta/models/m:generateContent', query: '', body },
      key,
    );
    expect(post.headers).toEqual({
      'x-team': 'a',
      'x-goog-api-key': secret,
      'content-type': 'application/json',
      authorization: 'Basic relay',
    });
    const bearer = endpoint.address(
      { method: 'GET', path: '/v1beta/openai/models', query: '', bearer: true },
      key,
    );
    expect(bearer.headers).toMatchObject({ authorization: `Bearer ${secret}`, 'x-team': 'a' });
    // Each call has its own headers; the configured ones are never written to.
    expect(post.headers).not.toBe(bearer.headers);
    expect(customHeaders['x-goog-api-key']).toBe('spoofed');
  });
});
