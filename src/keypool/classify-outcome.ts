import type { GeminiErrorInfo } from '../core/gemini-error-info.js';
import { nextPacificMidnight } from './next-pacific-midnight.js';

/** What one upstream attempt produced, before any meaning is given to it. */
export type UpstreamAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly error?: GeminiErrorInfo }
  /**
   * No answer: the connection failed, Google did not answer in time, or the outbound proxy the call
   * went by failed it (unreachable, refused, 407, no tunnel).
   */
  | { readonly kind: 'network'; readonly cause: 'timeout' | 'connection' | 'proxy' }
  /** The answer broke off after its first byte had reached the client. */
  | { readonly kind: 'interrupted'; readonly cause: 'timeout' | 'connection' };

/** Why Google refused a key: invalid (or expired), its project suspended, or another refusal. */
export type RefusalReason = 'invalid' | 'suspended' | 'refused';

/**
 * What an upstream answer means for the key that produced it and for the request (KEYPOOL.md):
 * how the key's state changes, and whether the same request may be tried again on another key.
 */
export type Outcome =
  | { readonly kind: 'ok'; readonly retry: false }
  /** Google refused the key. Applied only once a probe confirms it (see `confirmationOf`). */
  | { readonly kind: 'key-dead'; readonly reason: RefusalReason; readonly retry: true }
  | {
      readonly kind: 'cool';
      readonly reason: 'minute';
      readonly retryAfterMs: number;
      /** A per-minute token quota, which one large request can spend on every key by itself. */
      readonly requestSized?: true;
      readonly retry: true;
    }
  | { readonly kind: 'cool'; readonly reason: 'day'; readonly untilMs: number; readonly retry: true }
  | { readonly kind: 'cool'; readonly reason: 'unknown'; readonly retry: true }
  /** FAILED_PRECONDITION (location, billing, free tier): this key's project cannot use the model. */
  | { readonly kind: 'cool'; readonly reason: 'precondition'; readonly retry: true }
  | {
      readonly kind: 'upstream-trouble';
      /** `proxy`: the outbound proxy's failure, no more the key's than Google's trouble is. */
      readonly cause: 'server' | 'timeout' | 'connection' | 'proxy';
      /** False once a byte reached the client: a retry would repeat the answer's beginning. */
      readonly retry: boolean;
    }
  | { readonly kind: 'client-error'; readonly retry: false };

/** Google's hint when a per-minute 429 carries no RetryInfo. */
const defaultMinuteCooldownMs = 60_000;

export const ok: Outcome = { kind: 'ok', retry: false };

// Only Google's structured fields are read here, never the message: Google's messages quote the
// client's own input (`Unknown name "…": Cannot find field.`), so a rule on words in a message can
// be driven by any client — a field named "API key not valid" once switched off eleven keys.
const invalidKeyReasons = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);
const suspendedReasons = new Set(['CONSUMER_SUSPENDED']);

function refusalReason(reason: string | undefined): RefusalReason {
  if (reason && invalidKeyReasons.has(reason)) return 'invalid';
  if (reason && suspendedReasons.has(reason)) return 'suspended';
  return 'refused';
}

export function classifyOutcome(answer: UpstreamAnswer, nowMs: number): Outcome {
  if (answer.kind === 'network') return { kind: 'upstream-trouble', cause: answer.cause, retry: true };
  if (answer.kind === 'interrupted') return { kind: 'upstream-trouble', cause: answer.cause, retry: false };
  const { status, error } = answer;
  if (status < 400) return ok;
  const reason = error?.reason;

  if (status === 400) {
    if (reason && invalidKeyReasons.has(reason)) return { kind: 'key-dead', reason: 'invalid', retry: true };
    if (error?.rpcStatus === 'FAILED_PRECONDITION')
      return { kind: 'cool', reason: 'precondition', retry: true };
    return { kind: 'client-error', retry: false };
  }
  // Every 401 and 403 is a refusal of the key or of the request (a file of another project, a
  // client's OAuth parameter); which of the two, the probe decides.
  if (status === 401 || status === 403)
    return { kind: 'key-dead', reason: refusalReason(reason), retry: true };
  if (status === 429) {
    const quotaIds = error?.quotaIds ?? [];
    if (quotaIds.some((id) => id.includes('PerDay'))) {
      return { kind: 'cool', reason: 'day', untilMs: nextPacificMidnight(nowMs), retry: true };
    }
    if (error?.retryDelayMs !== undefined || quotaIds.some((id) => id.includes('PerMinute'))) {
      const retryAfterMs = error?.retryDelayMs ?? defaultMinuteCooldownMs;
      return quotaIds.length > 0 && quotaIds.every((id) => id.includes('Tokens'))
        ? { kind: 'cool', reason: 'minute', retryAfterMs, requestSized: true, retry: true }
        : { kind: 'cool', reason: 'minute', retryAfterMs, retry: true };
    }
    return { kind: 'cool', reason: 'unknown', retry: true };
  }
  if (status >= 500 || status === 408) return { kind: 'upstream-trouble', cause: 'server', retry: true };
  return { kind: 'client-error', retry: false };
}

/**
 * What must confirm an outcome before the pool applies it, because the request itself may have
 * caused it:
 * - `probe`: a call that spends no generation quota, with the key alone, shows whether Google
 *   refuses the key (invalid, suspended) or only this request;
 * - `sibling`: a refusal a probe cannot see (a failed precondition, a token quota one large request
 *   spends) is the key's only if another key then serves the same request.
 */
export function confirmationOf(outcome: Outcome): 'probe' | 'sibling' | undefined {
  if (outcome.kind === 'key-dead') return 'probe';
  if (outcome.kind === 'cool' && (outcome.reason === 'precondition' || 'requestSized' in outcome)) {
    return 'sibling';
  }
  return undefined;
}

/** A short, stable name for the error log's `error_type` column. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'ok':
      return 'ok';
    case 'key-dead':
      return outcome.reason === 'invalid' ? 'invalid-key' : outcome.reason;
    case 'cool':
      if (outcome.reason === 'unknown') return 'rate-limited';
      if (outcome.reason === 'precondition') return 'precondition';
      return `quota-${outcome.reason}`;
    case 'upstream-trouble': {
      const name = outcome.cause === 'server' ? 'upstream-error' : outcome.cause;
      return outcome.retry ? name : `stream-${outcome.cause}`;
    }
    case 'client-error':
      return 'client-error';
  }
}
