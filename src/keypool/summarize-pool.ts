import type { KeyRow } from './key-pool.js';
import type { CoolReason, DisabledReason } from './key-state.js';
import { type KeyCounts, keyListStateOf } from './query-keys.js';

/** The keys resting for one model now, by why. */
export interface ModelRest {
  readonly model: string;
  readonly keys: number;
  readonly reasons: Partial<Record<CoolReason, number>>;
  /** When the first of them is back. */
  readonly nextBackAtMs: number;
}

/** The pool's health at a glance: keys per state, rests per model, switched-off keys per reason. */
export interface PoolSummary {
  readonly counts: KeyCounts;
  readonly resting: readonly ModelRest[];
  readonly switchedOff: Partial<Record<DisabledReason, number>>;
}

/** One pass over the pool's rows; pure (the time is given). Models ordered by resting keys, most first. */
export function summarizePool(rows: readonly KeyRow[], nowMs: number): PoolSummary {
  const counts: KeyCounts = { total: 0, active: 0, resting: 0, disabled: 0, refused: 0 };
  const resting = new Map<
    string,
    { keys: number; reasons: Partial<Record<CoolReason, number>>; next: number }
  >();
  const switchedOff: Partial<Record<DisabledReason, number>> = {};
  for (const row of rows) {
    const { state } = row;
    counts[keyListStateOf(state, nowMs)] += 1;
    counts.total += 1;
    if (state.disabled) {
      switchedOff[state.disabled.reason] = (switchedOff[state.disabled.reason] ?? 0) + 1;
      continue;
    }
    for (const model in state.models) {
      const modelState = state.models[model];
      const until = modelState?.coolUntilMs ?? 0;
      if (until <= nowMs) continue;
      let entry = resting.get(model);
      if (!entry) {
        entry = { keys: 0, reasons: {}, next: until };
        resting.set(model, entry);
      }
      entry.keys += 1;
      entry.next = Math.min(entry.next, until);
      const reason = modelState?.coolReason ?? 'unknown';
      entry.reasons[reason] = (entry.reasons[reason] ?? 0) + 1;
    }
  }
  return {
    counts,
    resting: [...resting.entries()]
      .map(([model, entry]) => ({
        model,
        keys: entry.keys,
        reasons: entry.reasons,
        nextBackAtMs: entry.next,
      }))
      .sort((a, b) => b.keys - a.keys || (a.model < b.model ? -1 : 1)),
    switchedOff,
  };
}
