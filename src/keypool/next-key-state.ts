import type { Outcome } from './classify-outcome.js';
import type { KeyError, KeyState, ModelState } from './key-state.js';

export interface TransitionContext {
  readonly nowMs: number;
  /** A number in [0, 1), injected so tests choose the jitter. */
  readonly random: number;
  /** Google's failures in a row after which a key rests briefly for the model (MAX_FAILURES). */
  readonly softFailureLimit: number;
  /** What went wrong, for `lastError`; absent on success. */
  readonly error?: Omit<KeyError, 'atMs'>;
}

// Rests, from KEYPOOL.md: a 429 without details backs off from 30 s, doubling, up to 10 minutes;
// a run of Google's own failures rests the key only briefly, since they are rarely the key's fault.
export const unknownRateLimitBaseMs = 30_000;
export const unknownRateLimitCapMs = 10 * 60_000;
export const troubleRestMs = 10_000;
// A failed precondition (location, billing, no free tier for the model) rarely clears by itself,
// but a probe cannot see it: rest the key for the model from 5 minutes, doubling, up to 6 hours.
export const preconditionBaseMs = 5 * 60_000;
export const preconditionCapMs = 6 * 3_600_000;

const cleanModel: ModelState = { rateLimitStreak: 0, softFailures: 0 };

/**
 * Jitter spreads keys that were limited together, so they do not all come back at the same
 * instant: up to a tenth of the rest, and at most 5 s.
 */
function jitter(restMs: number, random: number): number {
  return Math.floor(random * Math.min(restMs / 10, 5_000));
}

function withModel(state: KeyState, model: string, next: ModelState | undefined): KeyState {
  const models = { ...state.models };
  if (next) models[model] = next;
  else delete models[model];
  return { ...state, models };
}

/** The pure transition: a key's state after one upstream outcome for `model`. */
export function nextKeyState(
  state: KeyState,
  model: string,
  outcome: Outcome,
  context: TransitionContext,
): KeyState {
  const { nowMs, random } = context;
  const current = state.models[model];
  const lastError: KeyError | undefined = context.error ? { ...context.error, atMs: nowMs } : undefined;
  const failed = (next: KeyState): KeyState => (lastError ? { ...next, lastError } : next);

  switch (outcome.kind) {
    case 'ok':
      // A success proves the key works for the model: forget its streaks and rests. But a rest
      // still running stands: that success came from a call that left before the 429 did.
      if (!current || (current.coolUntilMs ?? 0) > nowMs) return state;
      return withModel(state, model, undefined);
    case 'client-error':
      return state;
    case 'key-dead':
      return failed({ ...state, disabled: { reason: outcome.reason, atMs: nowMs } });
    case 'cool': {
      const base = current ?? cleanModel;
      if (outcome.reason === 'day') {
        const until = outcome.untilMs + jitter(60_000 * 10, random);
        return failed(
          withModel(state, model, {
            ...base,
            coolUntilMs: until,
            coolReason: 'day',
            cooledAtMs: nowMs,
            softFailures: 0,
          }),
        );
      }
      if (outcome.reason === 'precondition') {
        const streak = (base.preconditionStreak ?? 0) + 1;
        const restMs = Math.min(preconditionBaseMs * 2 ** (streak - 1), preconditionCapMs);
        return failed(
          withModel(state, model, {
            ...base,
            coolUntilMs: nowMs + restMs + jitter(restMs, random),
            coolReason: 'precondition',
            cooledAtMs: nowMs,
            preconditionStreak: streak,
            softFailures: 0,
          }),
        );
      }
      if (outcome.reason === 'minute') {
        const until = nowMs + outcome.retryAfterMs + jitter(outcome.retryAfterMs, random);
        return failed(
          withModel(state, model, {
            ...base,
            coolUntilMs: until,
            coolReason: 'minute',
            cooledAtMs: nowMs,
            softFailures: 0,
          }),
        );
      }
      const streak = base.rateLimitStreak + 1;
      const restMs = Math.min(unknownRateLimitBaseMs * 2 ** (streak - 1), unknownRateLimitCapMs);
      return failed(
        withModel(state, model, {
          coolUntilMs: nowMs + restMs + jitter(restMs, random),
          coolReason: 'unknown',
          cooledAtMs: nowMs,
          rateLimitStreak: streak,
          softFailures: 0,
        }),
      );
    }
    case 'upstream-trouble': {
      const base = current ?? cleanModel;
      const softFailures = base.softFailures + 1;
      if (softFailures < context.softFailureLimit)
        return failed(withModel(state, model, { ...base, softFailures }));
      return failed(
        withModel(state, model, {
          ...base,
          coolUntilMs: nowMs + troubleRestMs + jitter(troubleRestMs, random),
          coolReason: 'trouble',
          cooledAtMs: nowMs,
          softFailures: 0,
        }),
      );
    }
  }
}

/** When the key can next serve `model`: `nowMs` or earlier if it can now, undefined if disabled. */
export function availableFrom(state: KeyState, model: string): number | undefined {
  if (state.disabled) return undefined;
  return state.models[model]?.coolUntilMs ?? 0;
}
