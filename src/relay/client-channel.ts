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
   * SDKs return the truncated text as a whole answer). Nothing written after it goes out.
   */
  fail(text: string | undefined): void;
  /** True once the stream has ended or failed, or the client has gone away. */
  readonly closed: boolean;
}

/**
 * The client's side of one request, as the pipeline sees it: the HTTP layer fills it in, so the
 * pipeline knows no web framework.
 */
export interface ClientChannel {
  /** The id of the client token the request came with (core/client-identity.ts). */
  readonly clientId?: string;
  /** Cancelled when the client goes away before its answer is complete. */
  readonly signal: Cancellation;
  /** Milliseconds since the request arrived, for the log. */
  elapsedMs(): number;
  /** Sends a whole answer. */
  send(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void;
  /**
   * Starts a stream. It tells the pipeline nothing itself: the client's leaving is `signal`, a
   * shutdown's cut comes through `onShutdown`. (A stream holding the pipeline's closures doubled
   * the young-generation GC's work per streamed request: see run-generation.ts.)
   */
  stream(status: number, headers: Readonly<Record<string, string>>): ClientStream;
  /**
   * `cut` is called if a shutdown past its deadline cuts this request's stream while it is open:
   * it writes the protocol's error and fails the stream.
   */
  onShutdown(cut: (reason: StreamCut) => void): void;
  /** The client left before anything was sent: no answer goes out. */
  abandon(): void;
  /** Logs a fault of the gateway's own that ended this request's answer early. */
  reportFault(error: unknown, message: string): void;
}
