import { expect, it } from 'vitest';
import { joinHttpChunks } from './join-http-chunks.js';

it('joins a chunked body back into the text its client reads, extensions and all', () => {
  const answer =
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n' +
    '12\r\ndata: {"text":"AIz\r\n' +
    'c;ext=1\r\naSyKEYtail"}\r\n' +
    '0\r\n\r\n';
  expect(answer).not.toContain('AIzaSyKEYtail');
  expect(joinHttpChunks(answer)).toContain('data: {"text":"AIzaSyKEYtail"}');
});
