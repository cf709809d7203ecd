import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { maskKey } from '../core/key-identity.js';
import { forwardedResponseHeaders, pickResponseHeaders } from './response-headers.js';

const secret = 'AIzaSyExampleKeyForHeaders012345678901';

describe('pickResponseHeaders', () => {
  it.each<[string, IncomingHttpHeaders, Record<string, string>]>([
    ['nothing', {}, {}],
    [
      'a content type alone',
      { 'content-type': 'text/event-stream' },
      { 'content-type': 'text/event-stream' },
    ],
    [
      'an upload start, with what must stay behind',
      {
        'content-type': 'application/json',
        'x-goog-upload-url': 'https://upload.example/u?upload_id=1',
        'x-goog-upload-status': 'active',
        'x-goog-upload-chunk-granularity': '8388608',
        'x-goog-upload-control-url': 'https://upload.example/c',
        'x-goog-upload-size-received': '0',
        'set-cookie': ['a=1', 'b=2'],
        'x-goog-api-key': secret,
        authorization: `Bearer ${secret}`,
        'x-guploader-uploadid': 'internal',
        server: 'ESF',
      },
      {
        'content-type': 'application/json',
        'x-goog-upload-url': 'https://upload.example/u?upload_id=1',
        'x-goog-upload-status': 'active',
        'x-goog-upload-chunk-granularity': '8388608',
        'x-goog-upload-control-url': 'https://upload.example/c',
        'x-goog-upload-size-received': '0',
      },
    ],
    [
      'an upload header without a content type',
      { 'x-goog-upload-status': 'final' },
      { 'x-goog-upload-status': 'final' },
    ],
    [
      'a repeated header, joined',
      { 'x-goog-upload-status': ['active', 'final'] },
      { 'x-goog-upload-status': 'active,final' },
    ],
    [
      'the key quoted in a value',
      { 'content-type': `text/plain; k=${secret}`, 'x-goog-upload-url': `https://u.example/?key=${secret}` },
      {
        'content-type': `text/plain; k=${maskKey(secret)}`,
        'x-goog-upload-url': `https://u.example/?key=${maskKey(secret)}`,
      },
    ],
  ])('%s', (_name, headers, expected) => {
    const picked = pickResponseHeaders(headers, secret);
    expect(picked).toEqual(expected);
    expect(
      Object.keys(picked).every((name) => (forwardedResponseHeaders as readonly string[]).includes(name)),
    ).toBe(true);
    expect(JSON.stringify(picked)).not.toContain(secret);
  });

  it('scrubs a short key, and any Google key, from values of any length', () => {
    const other = 'AIzaSyAnotherGoogleKeyNotThisCalls01234';
    expect(
      pickResponseHeaders(
        { 'content-type': 'text/plain; k=ok-short-1', 'x-goog-upload-url': `https://u.example/?k=${other}` },
        'ok-short-1',
      ),
    ).toEqual({
      'content-type': `text/plain; k=${maskKey('ok-short-1')}`,
      'x-goog-upload-url': `https://u.example/?k=${maskKey(other)}`,
    });
  });

  it('shares one record per common content type instead of making one per answer', () => {
    const first = pickResponseHeaders(
      { 'content-type': 'application/json; charset=UTF-8', server: 'a' },
      secret,
    );
    const second = pickResponseHeaders({ 'content-type': 'application/json; charset=UTF-8' }, 'another-key');
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
