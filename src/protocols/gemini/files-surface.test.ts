import { describe, expect, it } from 'vitest';
import { createFilesSurface, filesNamedIn, uploadedFileOf } from './files-surface.js';

describe('the Files API surface', () => {
  it('passes an upload chunk’s empty answer and its protocol headers, and nothing else of Google’s', () => {
    const answer = createFilesSurface().answer(200, '', Buffer.alloc(0), 0, {
      keyId: '0123456789abcdef',
      headers: { 'x-goog-upload-status': 'active', 'x-goog-upload-size-received': '8' },
    });
    expect(answer).toMatchObject({
      status: 200,
      headers: { 'x-goog-upload-status': 'active', 'x-goog-upload-size-received': '8' },
    });
  });

  it('points the upload URL back at the gateway, and finds an upload start without one malformed', () => {
    const surface = createFilesSurface({
      uploadUrl: (url, served) => (url.includes('upload_id') ? `gw?${served.keyId}` : undefined),
    });
    const served = (url?: string) => ({
      keyId: 'k',
      headers: { ...(url ? { 'x-goog-upload-url': url } : {}), 'x-goog-upload-status': 'active' },
    });
    expect(
      surface.answer(200, 'text/plain', Buffer.alloc(0), 0, served('https://g/u?upload_id=1')),
    ).toMatchObject({
      headers: { 'x-goog-upload-url': 'gw?k', 'x-goog-upload-control-url': 'gw?k' },
    });
    for (const answer of [served('https://g/u'), served()])
      expect(surface.answer(200, 'text/plain', Buffer.alloc(0), 0, answer)).toHaveProperty('problem');
  });

  it('finds any other answer that is not a JSON object malformed, an upload’s empty acknowledgement aside', () => {
    const surface = createFilesSurface();
    const served = { keyId: 'k', headers: {} };
    for (const body of ['upstream connect error', '', '[1]', 'null'])
      expect(surface.answer(200, 'text/plain', Buffer.from(body), 0, served)).toHaveProperty('problem');
    expect(surface.answer(200, 'application/json', Buffer.from('{}'), 0, served)).not.toHaveProperty(
      'problem',
    );
  });

  it('reads the file a finished upload names', () => {
    const body = Buffer.from(
      JSON.stringify({ file: { name: 'files/abc-1', expirationTime: '2026-12-08T10:00:00Z' } }),
    );
    expect(uploadedFileOf(body)).toEqual({
      name: 'files/abc-1',
      expiresAtMs: Date.parse('2026-12-08T10:00:00Z'),
      resource: '{"name":"files/abc-1","expirationTime":"2026-12-08T10:00:00Z"}',
    });
    for (const bad of ['', 'not json', '{"file":{"name":"files/../x"}}', '{"file":null}'])
      expect(uploadedFileOf(Buffer.from(bad))).toBeUndefined();
  });

  it('finds the files a request names, by Google URL or name, each once, and nothing else', () => {
    const part = (fileUri: unknown) => ({ fileData: { fileUri, mimeType: 'text/plain' } });
    expect(
      filesNamedIn({
        contents: [
          { parts: [part('https://generativelanguage.googleapis.com/v1beta/files/abc'), { text: 'x' }] },
          {
            parts: [part('files/def'), part('files/abc'), part('https://www.youtube.com/watch?v=x'), part(7)],
          },
          { parts: 'no' },
          null,
        ],
      }),
    ).toEqual(['files/abc', 'files/def']);
    expect(filesNamedIn({ contents: 'x' })).toEqual([]);
    expect(filesNamedIn(null)).toEqual([]);
  });
});
