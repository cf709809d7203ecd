import { describe, expect, it } from 'vitest';
import { gatewayUploadUrl, uploadSessionOf } from './upload-session.js';

const google =
  'https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=AbC-123_x&upload_protocol=resumable';
const session = { keyId: '0123456789abcdef', clientId: 'fedcba9876543210' };

describe('the upload session in the URL', () => {
  it('points the client back at the gateway, as it reached it, and round-trips', () => {
    const url = gatewayUploadUrl(
      google,
      { origin: 'http://gw.local:8000', path: '/gemini/upload/v1beta/files' },
      session,
    );
    expect(url).toBe(
      'http://gw.local:8000/gemini/upload/v1beta/files?upload_id=AbC-123_x&upload_protocol=resumable&gemgate_key=0123456789abcdef&gemgate_client=fedcba9876543210',
    );
    const query = new URL(url ?? '').search.slice(1);
    expect(uploadSessionOf(query)).toEqual({
      upstreamQuery: 'upload_id=AbC-123_x&upload_protocol=resumable',
      ...session,
    });
  });

  it('replaces parameters of the same names an upstream sent, and drops a client token from a chunk', () => {
    const url = gatewayUploadUrl(
      `${google}&gemgate_key=ffffffffffffffff`,
      { origin: 'http://g', path: '/upload/v1beta/files' },
      session,
    );
    expect(url?.match(/gemgate_key=/g)).toHaveLength(1);
    expect(uploadSessionOf(`${new URL(url ?? '').search.slice(1)}&key=sk-client`)?.upstreamQuery).toBe(
      'upload_id=AbC-123_x&upload_protocol=resumable',
    );
  });

  it.each([
    ['no upload id', 'gemgate_key=0123456789abcdef&gemgate_client=admin'],
    ['no key', 'upload_id=x&gemgate_client=admin'],
    ['a key id that is no id', 'upload_id=x&gemgate_key=../../models&gemgate_client=admin'],
    ['a client id that is no id', 'upload_id=x&gemgate_key=0123456789abcdef&gemgate_client=sk-token'],
  ])('names no session with %s', (_case, query) => {
    expect(uploadSessionOf(query)).toBeUndefined();
  });

  it('makes no URL of an upstream answer that is none', () => {
    expect(gatewayUploadUrl('not a url', { origin: 'http://g', path: '/p' }, session)).toBeUndefined();
    expect(
      gatewayUploadUrl('https://h/upload?x=1', { origin: 'http://g', path: '/p' }, session),
    ).toBeUndefined();
  });
});
