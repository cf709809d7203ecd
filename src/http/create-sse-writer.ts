import type { FastifyReply } from 'fastify';
import type { ClientStream } from '../relay/client-channel.js';
import { cutResponse } from './open-streams.js';

/**
 * A stream to the client: headers at once, writes made in one turn of the event loop sent in one
 * syscall (corked until the turn's I/O is done; each write is a syscall and, with chunked encoding,
 * three buffers). It holds nothing of the pipeline's: see ClientChannel.stream.
 */
export function createSseWriter(
  reply: FastifyReply,
  status: number,
  headers: Readonly<Record<string, string>>,
): ClientStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(status, headers);
  let corked = false;
  let closed = false;
  raw.once('close', () => {
    closed = true;
  });
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  return {
    write(text) {
      if (closed) return false;
      if (!corked) {
        corked = true;
        raw.cork();
        setImmediate(uncork);
      }
      return raw.write(text);
    },
    drained() {
      if (closed || !raw.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        raw.once('drain', done);
        raw.once('close', done);
      });
    },
    end(text) {
      if (closed) return;
      closed = true;
      raw.end(text);
    },
    fail(text) {
      if (closed) return;
      closed = true;
      cutResponse(raw, text);
    },
    get closed() {
      return closed;
    },
  };
}
