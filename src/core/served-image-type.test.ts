import { describe, expect, it } from 'vitest';
import { servedImageType } from './served-image-type.js';

describe('servedImageType', () => {
  it.each([
    ['image/png', 'image/png', 'png'],
    ['image/jpeg', 'image/jpeg', 'jpg'],
    ['IMAGE/WebP; charset=binary', 'image/webp', 'webp'],
    ['image/svg+xml', 'application/octet-stream', 'bin'],
    ['text/html', 'application/octet-stream', 'bin'],
    ['image/png\r\nset-cookie: a=b', 'application/octet-stream', 'bin'],
    ['', 'application/octet-stream', 'bin'],
  ])('serves %j as %j (.%s)', (mimeType, contentType, extension) => {
    expect(servedImageType(mimeType)).toEqual({ contentType, extension });
  });
});
