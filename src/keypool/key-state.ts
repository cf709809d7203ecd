import type { RefusalReason } from './classify-outcome.js';

/** Why a key serves no model: Google refused the key itself (a probe confirmed it), or an operator switched it off. */
export type DisabledReason = RefusalReason | 'operator';

/**
 * Why a key rests for one model: a per-minute or per-day quota, an unexplained 429, a failed
 * precondition (the key's project cannot use the model from here), or Google's trouble.
 */
export type CoolReason = 'minute' | 'day' | 'unknown' | 'precondition' | 'trouble';

/** A key's standing for one model (Gemini quotas are per project and model). */
export interface ModelState {
  /** Until when the key rests for this model; a time in the past means it rested recently. */
  readonly coolUntilMs?: number;
  readonly coolReason?: CoolReason;
  /** When the rest began: a rest-cleared fact from another instance clears only rests older than itself. */
  readonly cooledAtMs?: number;
  /** 429s without details in a row: each doubles the next rest. */
  readonly rateLimitStreak: number;
  /** Failed preconditions in a row: each doubles the next rest. */
  readonly preconditionStreak?: number;
  /** Google's own failures (5xx, timeouts) in a row: several cool the key briefly. */
  readonly softFailures: number;
}

export interface KeyError {
  readonly atMs: number;
  readonly status: number | null;
  readonly type: string;
  readonly message: string;
}

/** Everything the pool knows about one key; plain data, persisted as JSON. */
export interface KeyState {
  readonly disabled?: { readonly reason: DisabledReason; readonly atMs: number };
  /** When the key was last switched back on: with `disabled.atMs`, the newest switch wins across instances. */
  readonly enabledAtMs?: number;
  readonly lastError?: KeyError;
  readonly models: Readonly<Record<string, ModelState>>;
}

export const freshKeyState: KeyState = { models: {} };
