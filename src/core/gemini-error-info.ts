/**
 * What the gateway needs to know from one of Google's error bodies (PROTOCOLS.md §2). Shared
 * vocabulary: `upstream/` parses it, `keypool/` classifies it, `protocols/` maps it to a client's
 * error shape.
 */
export interface GeminiErrorInfo {
  readonly message: string;
  /** RPC status name such as `RESOURCE_EXHAUSTED`, when the body had one. */
  readonly rpcStatus?: string;
  /** `ErrorInfo.reason`, e.g. `API_KEY_INVALID` or `CONSUMER_SUSPENDED`. */
  readonly reason?: string;
  /** `QuotaFailure.violations[].quotaId`, e.g. `GenerateRequestsPerDayPerProjectPerModel-FreeTier`. */
  readonly quotaIds: readonly string[];
  /** `RetryInfo.retryDelay` in milliseconds. */
  readonly retryDelayMs?: number;
}
