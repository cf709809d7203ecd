import type { FastifyReply } from 'fastify';
import type { ClientStream, StreamCut } from '../relay/client-channel.js';
import { cutResponse, type OpenStreams } from './open-streams.js';

/** Lets a shutdown cut the stream: `event` is the protocol's error, undefined to reset at once. */
export interface SseCut {
  readonly openStreams: OpenStreams;
  readonly event: (reason: StreamCut) => string | undefined;
}

/**
 * A stream to the client: headers at once, writes made in one turn of the event loop sent in one
 * syscall (corked until the turn's I/O is done; each write is a syscall and, with chunked encoding,
 * three buffers), and notice when the client leaves.
 */
export function createSseWriter(
  reply: FastifyReply,
  status: number,
  headers: Readonly<Record<string, string>>,
  cut: SseCut,
): ClientStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(status, headers);
  let corked = false;
  let closed = false;
  const listeners: (() => void)[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners) listener();
  };
  raw.once('close', () => {
    if (!raw.writableFinished) close();
  });
  // Closed before the error goes out: nothing the stream's owner writes can follow it.
  const untrack = cut.openStreams.track((reason) => {
    const event = cut.event(reason);
    close();
    cutResponse(raw, event);
  });
  raw.once('close', untrack);
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
      if (!closed) raw.end(text);
    },
    fail(text) {
      if (!closed) cutResponse(raw, text);
    },
    get closed() {
      return closed;
    },
    onClose(listener) {
      listeners.push(listener);
    },
  };
}
