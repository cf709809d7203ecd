import type { FastifyReply } from 'fastify';
import { cutResponse, type OpenStreams, type StreamCut } from './open-streams.js';

export interface SseWriter {
  /** Writes an event (or comment); false when the client cannot take more for now. */
  write(text: string): boolean;
  /** Resolves once the client has taken what was written (or has gone). */
  drained(): Promise<void>;
  end(text?: string): void;
  /**
   * Writes `text` (the protocol's in-band error) and then ends the response abnormally, without
   * HTTP's closing chunk: a stream that broke must not look complete to a client that reads past
   * the error event (older SDKs return the truncated text as a whole answer).
   */
  fail(text: string): void;
  /** True once the client has gone away. */
  readonly closed: boolean;
  /** Called once if the client goes away before the end, or the gateway cuts the stream. */
  onClose(listener: () => void): void;
}

/** Lets a shutdown cut the stream: `event` is the protocol's error, undefined to reset at once. */
export interface SseCut {
  readonly openStreams: OpenStreams;
  readonly event: (reason: StreamCut) => string | undefined;
}

/**
 * An event stream to the client: headers at once, writes made in one turn of the event loop sent
 * in one syscall (corked until the turn's I/O is done), and notice when the client leaves.
 */
export function createSseWriter(
  reply: FastifyReply,
  contentType = 'text/event-stream; charset=utf-8',
  cut: SseCut,
): SseWriter {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
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
