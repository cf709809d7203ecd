import type { FastifyReply } from 'fastify';

export interface SseWriter {
  /** Writes an event (or comment); false when the client cannot take more for now. */
  write(text: string): boolean;
  /** Resolves once the client has taken what was written (or has gone). */
  drained(): Promise<void>;
  end(text?: string): void;
  /** True once the client has gone away. */
  readonly closed: boolean;
  /** Called once if the client goes away before the end. */
  onClose(listener: () => void): void;
}

/**
 * An event stream to the client: headers at once, writes made in one turn of the event loop sent
 * in one syscall (corked until the turn's I/O is done), and notice when the client leaves.
 */
export function createSseWriter(
  reply: FastifyReply,
  contentType = 'text/event-stream; charset=utf-8',
): SseWriter {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  let corked = false;
  let closed = false;
  const listeners: (() => void)[] = [];
  raw.once('close', () => {
    if (raw.writableFinished) return;
    closed = true;
    for (const listener of listeners) listener();
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
      if (!closed) raw.end(text);
    },
    get closed() {
      return closed;
    },
    onClose(listener) {
      listeners.push(listener);
    },
  };
}
