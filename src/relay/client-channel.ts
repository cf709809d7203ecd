import type { Cancellation } from '../core/cancellation.js';

/** Why the gateway ends a stream before its answer is complete: what the client is told in-band. */
export interface StreamCut {
  readonly status: number;
  readonly message: string;
}

/** A response being streamed to the client. */
export interface ClientStream {
  /** Writes text or bytes; false when the client cannot take more for now. */
  write(text: string | Buffer): boolean;
  /** Resolves once the client has taken what was written (or has gone). */
  drained(): Promise<void>;
  end(text?: string): void;
  /**
   * Writes `text` (the protocol's in-band error), if any, and then ends the response abnormally: a
   * stream that broke must not look complete to a client that reads past the error event (older
   * SDKs return the truncated text as a whole answer).
   */
  fail(text: string | undefined): void;
  /** True once the client has gone away or the stream was cut. */
  readonly closed: boolean;
  /** Called once if the client goes away before the end, or a shutdown cuts the stream. */
  onClose(listener: () => void): void;
}

/**
 * The client's side of one request, as the pipeline sees it: the HTTP layer fills it in, so the
 * pipeline knows no web framework.
 */
export interface ClientChannel {
  /** Cancelled when the client goes away before its answer is complete. */
  readonly signal: Cancellation;
  /** Milliseconds since the request arrived, for the log. */
  elapsedMs(): number;
  /** Sends a whole answer. */
  send(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void;
  /**
   * Starts a stream. `cutEvent` is what a shutdown past its deadline writes before it cuts the
   * stream (the protocol's error), or undefined to reset it at once.
   */
  stream(
    status: number,
    headers: Readonly<Record<string, string>>,
    cutEvent: (reason: StreamCut) => string | undefined,
  ): ClientStream;
  /** The client left before anything was sent: no answer goes out. */
  abandon(): void;
  /** Logs a fault of the gateway's own that ended this request's answer early. */
  reportFault(error: unknown, message: string): void;
}
