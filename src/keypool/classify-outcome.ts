import type { GeminiErrorInfo } from '../upstream/parse-gemini-error.js';
import { nextPacificMidnight } from './next-pacific-midnight.js';

/** What one upstream attempt produced, before any meaning is given to it. */
export type UpstreamAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly error?: GeminiErrorInfo }
  /** No answer: the connection failed or Google did not answer within TIME_OUT. */
  | { readonly kind: 'network'; readonly cause: 'timeout' | 'connection' }
  /** The answer broke off after its first byte had reached the client. */
  | { readonly kind: 'interrupted'; readonly cause: 'timeout' | 'connection' };

/**
 * What an upstream answer means for the key that produced it and for the request (KEYPOOL.md):
 * how the key's state changes, and whether the same request may be tried again on another key.
 */
export type Outcome =
  | { readonly kind: 'ok'; readonly retry: false }
  | {
      readonly kind: 'key-dead';
      readonly reason: 'invalid' | 'suspended' | 'precondition';
      readonly retry: true;
    }
  | { readonly kind: 'cool'; readonly reason: 'minute'; readonly retryAfterMs: number; readonly retry: true }
  | { readonly kind: 'cool'; readonly reason: 'day'; readonly untilMs: number; readonly retry: true }
  | { readonly kind: 'cool'; readonly reason: 'unknown'; readonly retry: true }
  | {
      readonly kind: 'upstream-trouble';
      readonly cause: 'server' | 'timeout' | 'connection';
      /** False once a byte reached the client: a retry would repeat the answer's beginning. */
      readonly retry: boolean;
    }
  | { readonly kind: 'client-error'; readonly retry: false };

/** Google's hint when a per-minute 429 carries no RetryInfo. */
const defaultMinuteCooldownMs = 60_000;

export const ok: Outcome = { kind: 'ok', retry: false };

const invalidKeyMessage = /API key not valid|API Key not found|API key expired/i;
// A file or cached content named by the request but owned by another project is the request's
// problem (it must be pinned to its key), not a reason to disable the key.
const foreignResourceMessage = /permission to access the (File|CachedContent)/i;
const projectCannotUseReasons = new Set(['SERVICE_DISABLED', 'API_KEY_SERVICE_BLOCKED', 'BILLING_DISABLED']);

export function classifyOutcome(answer: UpstreamAnswer, nowMs: number): Outcome {
  if (answer.kind === 'network') return { kind: 'upstream-trouble', cause: answer.cause, retry: true };
  if (answer.kind === 'interrupted') return { kind: 'upstream-trouble', cause: answer.cause, retry: false };
  const { status, error } = answer;
  if (status < 400) return ok;
  const message = error?.message ?? '';
  const reason = error?.reason;

  if (status === 400 || status === 401) {
    if (reason === 'API_KEY_INVALID' || invalidKeyMessage.test(message) || status === 401) {
      return { kind: 'key-dead', reason: 'invalid', retry: true };
    }
    if (error?.rpcStatus === 'FAILED_PRECONDITION')
      return { kind: 'key-dead', reason: 'precondition', retry: true };
    return { kind: 'client-error', retry: false };
  }
  if (status === 403) {
    if (reason && projectCannotUseReasons.has(reason))
      return { kind: 'key-dead', reason: 'precondition', retry: true };
    if (foreignResourceMessage.test(message)) return { kind: 'client-error', retry: false };
    // CONSUMER_SUSPENDED, "has been suspended", "caller does not have permission" and any other
    // refusal of the key itself: the key cannot serve until an operator or a probe says otherwise.
    return { kind: 'key-dead', reason: 'suspended', retry: true };
  }
  if (status === 429) {
    const quotaIds = error?.quotaIds ?? [];
    if (quotaIds.some((id) => /PerDay/i.test(id))) {
      return { kind: 'cool', reason: 'day', untilMs: nextPacificMidnight(nowMs), retry: true };
    }
    if (error?.retryDelayMs !== undefined || quotaIds.some((id) => /PerMinute/i.test(id))) {
      return {
        kind: 'cool',
        reason: 'minute',
        retryAfterMs: error?.retryDelayMs ?? defaultMinuteCooldownMs,
        retry: true,
      };
    }
    return { kind: 'cool', reason: 'unknown', retry: true };
  }
  if (status >= 500 || status === 408) return { kind: 'upstream-trouble', cause: 'server', retry: true };
  return { kind: 'client-error', retry: false };
}

/** A short, stable name for the error log's `error_type` column. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'ok':
      return 'ok';
    case 'key-dead':
      return outcome.reason === 'invalid' ? 'invalid-key' : outcome.reason;
    case 'cool':
      return outcome.reason === 'unknown' ? 'rate-limited' : `quota-${outcome.reason}`;
    case 'upstream-trouble': {
      const name = outcome.cause === 'server' ? 'upstream-error' : outcome.cause;
      return outcome.retry ? name : `stream-${outcome.cause}`;
    }
    case 'client-error':
      return 'client-error';
  }
}
