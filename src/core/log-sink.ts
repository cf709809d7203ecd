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
}

/** Where the request path hands log entries: an enqueue, never a wait on storage. */
export interface LogSink {
  request(entry: RequestLogEntry): void;
  error(entry: ErrorLogEntry): void;
}
