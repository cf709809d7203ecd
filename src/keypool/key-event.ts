import type { CoolReason, DisabledReason, KeyError, KeyState, ModelState } from './key-state.js';

/**
 * A fact about one key's standing that every instance behind a balancer must know, so that a key
 * Google refused or rate-limited through one instance is not called by another. Instances share
 * facts, not decisions: each merges the facts into its own pool and chooses keys locally.
 */
export type KeyEvent =
  /** The key rests for the model until `untilMs`; the rest began at `atMs`. */
  | {
      readonly type: 'cooled';
      readonly id: string;
      readonly model: string;
      readonly untilMs: number;
      readonly reason: CoolReason;
      readonly atMs: number;
    }
  /** Google refused the key, or an operator switched it off. */
  | {
      readonly type: 'disabled';
      readonly id: string;
      readonly reason: DisabledReason;
      readonly atMs: number;
      readonly error?: KeyError;
    }
  /** An operator, or a probe Google answered, switched the key back on. */
  | { readonly type: 'enabled'; readonly id: string; readonly atMs: number }
  /** An operator cleared the key's rest for one model, or for every model when `model` is absent. */
  | { readonly type: 'rest-cleared'; readonly id: string; readonly model?: string; readonly atMs: number };

/** When the key was last switched, either way; -∞ for a key never switched. */
function lastSwitchMs(state: KeyState): number {
  return Math.max(
    state.disabled?.atMs ?? Number.NEGATIVE_INFINITY,
    state.enabledAtMs ?? Number.NEGATIVE_INFINITY,
  );
}

const resting = (model: ModelState | undefined, nowMs: number) => (model?.coolUntilMs ?? 0) > nowMs;

/**
 * The facts a local change of one key's state made, for the other instances. A rest that ends by
 * itself, or one a success forgot after it ended, is no fact: every instance sees its time pass.
 */
export function keyEventsBetween(id: string, before: KeyState, after: KeyState, nowMs: number): KeyEvent[] {
  const events: KeyEvent[] = [];
  if (after.disabled && after.disabled !== before.disabled) {
    events.push({
      type: 'disabled',
      id,
      reason: after.disabled.reason,
      atMs: after.disabled.atMs,
      ...(after.lastError ? { error: after.lastError } : {}),
    });
  } else if (before.disabled && !after.disabled) {
    events.push({ type: 'enabled', id, atMs: after.enabledAtMs ?? nowMs });
  }
  if (after.models === before.models) return events;
  for (const [model, next] of Object.entries(after.models)) {
    const previous = before.models[model];
    if (next.coolUntilMs === undefined || next.cooledAtMs === previous?.cooledAtMs) continue;
    events.push({
      type: 'cooled',
      id,
      model,
      untilMs: next.coolUntilMs,
      reason: next.coolReason ?? 'unknown',
      atMs: next.cooledAtMs ?? nowMs,
    });
  }
  for (const [model, previous] of Object.entries(before.models)) {
    if (resting(previous, nowMs) && !resting(after.models[model], nowMs))
      events.push({ type: 'rest-cleared', id, model, atMs: nowMs });
  }
  return events;
}

/**
 * A key's state once another instance's fact is merged in. Pure and idempotent: a later rest
 * wins, the newest switch wins (on a tie, switched off wins: the cautious side), and a cleared
 * rest clears only rests that began before it. Returns `state` itself when the fact changes nothing.
 */
export function mergeKeyEvent(state: KeyState, event: KeyEvent): KeyState {
  switch (event.type) {
    case 'cooled': {
      const current = state.models[event.model];
      if (current?.coolUntilMs !== undefined && current.coolUntilMs >= event.untilMs) return state;
      const next: ModelState = {
        rateLimitStreak: current?.rateLimitStreak ?? 0,
        softFailures: current?.softFailures ?? 0,
        ...(current?.preconditionStreak === undefined
          ? {}
          : { preconditionStreak: current.preconditionStreak }),
        coolUntilMs: event.untilMs,
        coolReason: event.reason,
        cooledAtMs: event.atMs,
      };
      return { ...state, models: { ...state.models, [event.model]: next } };
    }
    case 'disabled': {
      if (event.atMs < lastSwitchMs(state)) return state;
      if (state.disabled?.atMs === event.atMs && state.disabled.reason === event.reason) return state;
      const { enabledAtMs: _replaced, ...rest } = state;
      return {
        ...rest,
        disabled: { reason: event.reason, atMs: event.atMs },
        ...(event.error ? { lastError: event.error } : {}),
      };
    }
    case 'enabled': {
      if (event.atMs <= lastSwitchMs(state)) return state;
      const { disabled: _dropped, ...rest } = state;
      return { ...rest, enabledAtMs: event.atMs };
    }
    case 'rest-cleared': {
      const cleared = (name: string) =>
        (event.model === undefined || name === event.model) &&
        (state.models[name]?.cooledAtMs ?? Number.NEGATIVE_INFINITY) <= event.atMs;
      const names = Object.keys(state.models).filter(cleared);
      if (names.length === 0) return state;
      const models = { ...state.models };
      for (const name of names) delete models[name];
      return { ...state, models };
    }
  }
}
