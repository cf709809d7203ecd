import type { Readable } from 'node:stream';
import type { KeyKind } from '../../core/key-kind.js';
/**
 * What every endpoint shares: a logical call to Google (`UpstreamRequest`), the key chosen for it
 * (`UpstreamKey`), and the call as it goes on the wire once both are known (`UpstreamAddress`).
 * An endpoint turns the first two into the third, purely; the client sends it.
 */

/** One call to Google, before a key is chosen: the same operation whatever key then serves it. */
export interface UpstreamRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** From the API version on, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  readonly path: string;
  /** Query string without `?`; never carries a key. */
  readonly query: string;
  readonly body?: Buffer;
  /** Send the key as `Authorization: Bearer` (Google's OpenAI-compatible endpoint) instead of x-goog-api-key. */
  readonly bearer?: boolean;
  /**
   * The Files API's upload: the protocol's request headers (`x-goog-upload-*`, the bytes' content
   * type and length) and the bytes, streamed from the client as they come, never held whole.
   */
  readonly upload?: {
    readonly headers: Readonly<Record<string, string>>;
    readonly bytes?: Readable;
  };
}

/** What the client needs of the key a call was given: a pool key is one. */
export interface UpstreamKey {
  /** The key's id, never the key: for choosing a dispatcher or a log line. */
  readonly id: string;
  readonly secret: string;
  /** The endpoint its calls go to; `defaultKeyKind` when absent. */
  readonly kind?: KeyKind;
}

/**
 * One call as it goes on the wire: exactly the options handed to the dispatcher, so addressing a
 * call makes the one object per call that sending it always took. The key is in `headers`, never
 * in `path`.
 */
export interface UpstreamAddress {
  /** Scheme, host and port: a connection pool has its own, a proxy agent routes by it. */
  readonly origin: string;
  readonly method: UpstreamRequest['method'];
  /** The full path, prefix and query included. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | Readable | null;
}

/** Where one kind of key sends its calls, and how a call is spelled there. */
export interface Endpoint {
  readonly kind: KeyKind;
  /** Every call of this endpoint goes to this origin: the client keeps a connection pool for it. */
  readonly origin: string;
  /** The call for `request` sent with `key`. Pure: no I/O, no URL parsing, the key in a header only. */
  address(request: UpstreamRequest, key: UpstreamKey): UpstreamAddress;
}
