import type { RateLimit } from './usage-window.js';

/**
 * Where the operator's limits (KEY_RATE_LIMITS) are counted when several instances share them.
 * Synchronous, so that choosing a key never waits on the network: shares of a limit are fetched
 * ahead of need, in the background.
 */
export interface RateLedger {
  /**
   * Whether the key may be sent for the model now: undefined if so, the time it may again, or
   * `pending` while this instance's share of the limit is being fetched.
   */
  check(id: string, model: string, limit: RateLimit, nowMs: number): number | undefined | 'pending';
  /** Counts one request sent with the key for the model. */
  spend(id: string, model: string, limit: RateLimit, nowMs: number): void;
  /** Called whenever a share arrives (or cannot), so requests waiting for one look again. */
  onShare(listener: () => void): void;
}

/** A request for up to `want` of a key's requests for a model, in the windows whose limits apply. */
export interface LeaseRequest {
  /** The key and model the limit counts (`{id} {model}`). */
  readonly bucket: string;
  readonly want: number;
  /**
   * Requests already sent in these windows without a grant (while the store was out of reach):
   * counted first, so that the instances together keep to the limit once it answers again.
   */
  readonly spent?: number;
  readonly minute?: { readonly startMs: number; readonly limit: number };
  readonly day?: { readonly endMs: number; readonly limit: number };
}

export interface LeaseGrant {
  readonly granted: number;
  /** What is left in each window after this grant; null for a window without a limit. */
  readonly minuteLeft: number | null;
  readonly dayLeft: number | null;
}

/** The counters the instances share (Redis; memory in one process). */
export interface LeaseStore {
  /** Grants up to `want`, never more than any window has left, atomically; rejects when it cannot answer. */
  lease(request: LeaseRequest): Promise<LeaseGrant>;
  /** How many instances share the limits, as last seen: during an outage each keeps to its part. */
  instances(): number;
}
