import type { AttemptRecord } from './attempt-trace.js';

/** Tokens an answer counted (Gemini's usageMetadata; a stream's from its last chunk that had it). */
export interface TokenCounts {
  readonly input: number;
  readonly output: number;
  readonly thoughts: number;
  readonly cached: number;
}

/** One client request, as the request log records it. */
export interface RequestLogEntry {
  readonly createdAt: number;
  /** Surface and operation, e.g. `gemini generateContent`. */
  readonly route: string;
  readonly model: string | null;
  /** Key id of the last attempt (never the key). */
  readonly keyId: string | null;
  readonly status: number;
  readonly success: boolean;
  readonly latencyMs: number;
  readonly attempts: number;
  readonly stream: boolean;
  /** Absent when the answer said none (a failure, an operation that counts no tokens). */
  readonly tokens?: TokenCounts;
  /** The client token's id (core/client-identity.ts), never the token; absent for the gateway's own calls. */
  readonly clientId?: string;
  /** Why the request failed (an outcome class, or the gateway's own: `client-closed`, …); absent on success. */
  readonly errorClass?: string;
  /**
   * Ties the request to its rows in the error log: a number this process counts, which the log
   * repository writes as a reference unique across processes. A number, not text, because entries
   * wait in memory for their batch, and a string per entry would be copied by every scavenge.
   */
  readonly requestSeq?: number;
  /** Its upstream calls, in order. */
  readonly trace?: readonly AttemptRecord[];
}

/** One failed upstream attempt (or a failure the gateway itself answered). */
export interface ErrorLogEntry {
  readonly createdAt: number;
  readonly route: string;
  readonly model: string | null;
  readonly keyId: string | null;
  /** Upstream HTTP status; null when no answer came (network error, timeout). */
  readonly status: number | null;
  readonly errorType: string;
  /** Upstream message with secrets redacted. */
  readonly message: string;
  /** Only when ERROR_LOG_RECORD_REQUEST_BODY is on. */
  readonly requestBody: string | null;
  /** As in RequestLogEntry. */
  readonly clientId?: string;
  /** The request this attempt belonged to (RequestLogEntry.requestSeq). */
  readonly requestSeq?: number;
}

/** Where the request path hands log entries: an enqueue, never a wait on storage. */
export interface LogSink {
  request(entry: RequestLogEntry): void;
  error(entry: ErrorLogEntry): void;
}
