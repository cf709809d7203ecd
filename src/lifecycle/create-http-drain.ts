import type { Server, ServerResponse } from 'node:http';

export interface DrainReport {
  /** Requests still open at the deadline. */
  readonly late: number;
  /** Streams cut with their protocol's error at the deadline. */
  readonly cut: number;
  /** Requests still open once the cut streams had their moment, whose connections were reset. */
  readonly reset: number;
}

export interface DrainOptions {
  /** How long open requests and streams may take to finish. */
  readonly deadlineMs: number;
  /** Stops accepting: no new connections, and 503 with `connection: close` on kept-alive ones. */
  readonly stopAccepting: () => Promise<void>;
  /** Cuts every open stream in-band; returns how many. */
  readonly cutStreams: () => number;
}

export interface HttpDrain {
  /** Requests being answered now, streams included. */
  readonly openRequests: number;
  /** Resolves once every connection is closed and the server with them. */
  drain(options: DrainOptions): Promise<DrainReport>;
}

/** How long cut streams get to send their error event before whatever is left is reset. */
const cutGraceMs = 1000;

/**
 * Counts the server's open requests, and drains them on close. Node's `server.close()` closes the
 * connections idle at that moment only: one whose answer ends later stays open, idle, for the
 * keep-alive timeout (Fastify's is 72 s). So each connection is closed as soon as its answer ends.
 */
export function createHttpDrain(server: Server): HttpDrain {
  const open = new Set<ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | undefined;
  server.on('request', (_request, response: ServerResponse) => {
    open.add(response);
    response.once('close', () => {
      open.delete(response);
      if (!draining) return;
      // The socket is detached from the answer only once 'close' has run.
      setImmediate(() => server.closeIdleConnections());
      if (open.size === 0) onIdle?.();
    });
  });

  /** True once no request is open, false if `ms` pass first. */
  const settled = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (open.size === 0) return resolve(true);
      const timer = setTimeout(() => {
        onIdle = undefined;
        resolve(false);
      }, ms);
      onIdle = () => {
        clearTimeout(timer);
        onIdle = undefined;
        resolve(true);
      };
    });

  return {
    get openRequests() {
      return open.size;
    },
    async drain(options) {
      draining = true;
      const stopped = options.stopAccepting();
      server.closeIdleConnections();
      // A connection whose request has not fully arrived holds the server open without being
      // counted: whatever is still connected when the cut streams' moment is over is reset.
      const reset = setTimeout(() => server.closeAllConnections(), options.deadlineMs + cutGraceMs);
      let report: DrainReport = { late: 0, cut: 0, reset: 0 };
      if (!(await settled(options.deadlineMs))) {
        const late = open.size;
        const cut = options.cutStreams();
        report = { late, cut, reset: (await settled(cutGraceMs)) ? 0 : open.size };
        server.closeAllConnections();
      }
      await stopped;
      clearTimeout(reset);
      return report;
    },
  };
}
