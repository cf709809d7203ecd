import type { Clock } from '../core/clock.js';
import { createKeyIdentity, type IdentifyKey, type KeyIdentity } from '../core/key-identity.js';
import { defaultKeyKind, type KeyKind, keyKinds } from '../core/key-kind.js';
import type { Outcome } from './classify-outcome.js';
import { findKeyIdCollisions, KeyIdCollisionError } from './find-key-id-collisions.js';
import { type KeyEvent, keyEventsBetween, mergeKeyEvent } from './key-event.js';
import { type DisabledReason, freshKeyState, type KeyError, type KeyState } from './key-state.js';
import { availableFrom, nextKeyState } from './next-key-state.js';
import type { RateLedger } from './rate-ledger.js';
import { countRequest, createUsage, limitedUntil, type RateLimit, type Usage } from './usage-window.js';

export interface PoolKey extends KeyIdentity {
  /** The key itself: only the upstream client (and an operator who asks) may see it. */
  readonly secret: string;
  /** The upstream the key calls; `ai-studio` when absent, as for every key today. */
  readonly kind?: KeyKind;
}

/** Where a key came from: API_KEYS (it returns on restart) or the operator API (stored). */
export type KeySource = 'settings' | 'runtime';

export type Selection =
  | { readonly kind: 'key'; readonly key: PoolKey }
  | {
      readonly kind: 'none';
      /**
       * Why no key: none configured, all switched off, all resting for the model, every usable one
       * already tried by this request, the only ones left on trial and busy, or an unknown pin.
       */
      readonly reason: 'empty' | 'disabled' | 'resting' | 'tried' | 'busy' | 'unknown-pin';
      /** The earliest moment a key may serve the model again, when one is known. */
      readonly retryAtMs?: number;
    };

export interface SelectOptions {
  /** Key ids already tried by this request. */
  readonly exclude?: ReadonlySet<string>;
  /** Serve with this key only: files and cached contents live in the project of their key. */
  readonly pinKeyId?: string;
  /** Accept a key on trial that is already busy, rather than answer `busy`. */
  readonly allowBusy?: boolean;
  /**
   * Which keys may serve: each kind is a pool of its own (its own rotation, and `empty` when it has
   * no key), with the same classification. `ai-studio` when absent.
   */
  readonly kind?: KeyKind;
}

/** One key as the operator API shows it. */
export interface KeyView {
  readonly id: string;
  readonly masked: string;
  readonly kind: KeyKind;
  readonly source: KeySource;
  readonly state: KeyState;
  readonly usage: {
    readonly requests: number;
    readonly failures: number;
    readonly models: Record<string, Usage>;
  };
}

/**
 * What the key list reads of every key: the pool's own record, read-only and uncopied, so a list of
 * 100,000 keys allocates nothing per key (the key itself is not part of this type).
 */
export interface KeyRow {
  readonly key: KeyIdentity & Pick<PoolKey, 'kind'>;
  readonly source: KeySource;
  readonly state: KeyState;
  readonly requests: number;
  readonly failures: number;
  /** Models the key has served (a bounded map: see maxModelsTracked). */
  readonly usage: ReadonlyMap<string, Usage>;
}

/** What the store keeps per key, so a restart resumes where the pool stood. */
export interface PersistedKey {
  readonly state: KeyState;
  readonly requests: number;
  readonly failures: number;
}

/**
 * What changed for one key since the last save: its state, and the requests and failures counted
 * since then, which the store adds to its own (instances sharing one database each add theirs).
 */
export interface KeyStateChange {
  readonly state: KeyState;
  readonly addedRequests: number;
  readonly addedFailures: number;
}

export interface KeyPoolOptions {
  readonly clock: Clock;
  /** A number in [0, 1); injected so tests control jitter. */
  readonly random?: () => number;
  /** Google's failures in a row after which a key rests briefly for a model (MAX_FAILURES). */
  readonly softFailureLimit: number;
  /** Operator ceilings per model, `*` for every model not named. */
  readonly rateLimits?: Readonly<Record<string, RateLimit>>;
  /** How a key is named (createKeyIdentity); tests pass one with short ids to force collisions. */
  readonly identify?: IdentifyKey;
  /**
   * Where `rateLimits` are counted when instances share them (createSharedRateLedger); without
   * one, each key's own usage window here holds the limit.
   */
  readonly rateLedger?: RateLedger;
  /** Facts a local change made about a key (a refusal, a rest, a switch), for the other instances. */
  readonly onEvents?: (events: readonly KeyEvent[]) => void;
}

export interface KeyPool {
  readonly size: number;
  select(model: string, options?: SelectOptions): Selection;
  /** Applies an attempt's outcome to the key's state for the model; every selected key is reported or released. */
  report(key: PoolKey, model: string, outcome: Outcome, error?: Omit<KeyError, 'atMs'>): void;
  /**
   * Applies an outcome learned outside an attempt: a probe's answer, or a refusal confirmed once
   * the attempt that met it was released.
   */
  learn(key: PoolKey, model: string, outcome: Outcome, error?: Omit<KeyError, 'atMs'>): void;
  /** Ends an attempt that produced no outcome (the client went away). */
  release(key: PoolKey, model: string): void;
  /** Resolves when an attempt in flight ends, so a request that found every key busy can look again. */
  whenSettled(): Promise<void>;
  usableCount(): number;
  /** Whether the key may still serve the model: not switched off, not resting for it. */
  canServe(id: string, model: string): boolean;
  /** Every key secret, for scrubbing upstream text. */
  secrets(): readonly string[];
  /** Every key, in the pool's order. */
  keys(): readonly PoolKey[];
  find(id: string): PoolKey | undefined;
  /** The pooled key that is exactly `secret`, found by the id the pool would give it. */
  findSecret(secret: string): PoolKey | undefined;
  stateOf(id: string): KeyState | undefined;
  list(): KeyView[];
  /** Every key, in the pool's order, as the key list reads it: valid until the pool next changes. */
  rows(): readonly KeyRow[];
  view(id: string): KeyView | undefined;
  /** Keys Google refused (not those an operator switched off): the ones to probe. */
  refusedKeys(): PoolKey[];
  /**
   * What `add` would do, without doing it: the keys it would add and the ids of those already
   * present. Throws `KeyIdCollisionError` when a key has the id of a different key, in the list or
   * in the pool.
   */
  plan(secrets: readonly string[], kind?: KeyKind): { fresh: PoolKey[]; present: string[] };
  /**
   * Adds keys of one kind (`ai-studio` when absent; existing ones keep their state and kind);
   * returns the ids added and those already present. Throws `KeyIdCollisionError`, adding none,
   * rather than merge two keys that share an id.
   */
  add(secrets: readonly string[], source: KeySource, kind?: KeyKind): { added: string[]; present: string[] };
  remove(ids: readonly string[]): string[];
  enable(ids: readonly string[]): string[];
  disable(ids: readonly string[]): string[];
  clearRest(ids: readonly string[], model?: string): string[];
  /** Puts back what the store kept for a key (a restart). */
  restore(id: string, persisted: PersistedKey): void;
  /** Merges facts another instance learned (mergeKeyEvent); returns how many changed a key here. */
  merge(events: readonly KeyEvent[]): number;
  /** Keys whose state changed since the last call, for the store. */
  takeChanged(): Map<string, KeyStateChange | null>;
  /** When refused keys are next probed, for the Retry-After of a pool with no key left. */
  setNextProbe(atMs: number | undefined): void;
  /** MAX_FAILURES and KEY_RATE_LIMITS changed: they apply from the next choice. */
  setLimits(limits: Pick<KeyPoolOptions, 'softFailureLimit' | 'rateLimits'>): void;
}

interface KeyRecord {
  readonly key: PoolKey;
  readonly source: KeySource;
  state: KeyState;
  requests: number;
  failures: number;
  /** The counts at the last save: what is above them is added to the store's at the next. */
  savedRequests: number;
  savedFailures: number;
  readonly usage: Map<string, Usage>;
  /** Whether the key has answered a call successfully since this process took it in. */
  proven: boolean;
  /** Attempts under way, per model. */
  readonly inFlight: Map<string, number>;
}

/**
 * A key whose standing for a model is unknown — not yet successful since this process took it
 * in, or back from a rest and not yet successful — is on trial: it serves one request at a time
 * until it succeeds, so a burst of concurrent requests does not land on a key that is invalid or
 * still limited.
 */
function onTrial(record: KeyRecord, model: string): boolean {
  return !record.proven || record.state.models[model]?.coolUntilMs !== undefined;
}

// Clients choose model names, so maps kept per model (usage per key, round-robin cursors) are
// bounded: a flood of made-up names must not grow memory without end. Pools serve a few dozen models;
// past the bound the oldest usage entry is forgotten.
export const maxModelsTracked = 256;

// For a while after its rest, a key is served after keys that never failed.
const freshFromRestMs = 60_000;

function freshFromRest(record: KeyRecord, model: string, nowMs: number): boolean {
  const until = record.state.models[model]?.coolUntilMs;
  return until !== undefined && until > nowMs - freshFromRestMs;
}

/**
 * The stateful shell around the pure transitions: keys in a fixed order, a round-robin cursor per
 * model, usage counters, and the set of keys whose state the store has yet to save. Selection is
 * O(1) while the next key in line can serve, and never reads the database.
 */
export function createKeyPool(secrets: readonly string[], options: KeyPoolOptions): KeyPool {
  const random = options.random ?? Math.random;
  const identify = options.identify ?? createKeyIdentity;
  const clock = options.clock;
  let records: KeyRecord[] = [];
  const byId = new Map<string, KeyRecord>();
  // Each kind's keys in the pool's order, and its round-robin cursor per model: a kind is a pool of
  // its own, so selection reads one array whatever the other kinds hold.
  const rings = new Map<KeyKind, KeyRecord[]>();
  const cursorsOf = new Map<KeyKind, Map<string, number>>(keyKinds.map((kind) => [kind, new Map()]));
  const ringOf = (kind: KeyKind): readonly KeyRecord[] => rings.get(kind) ?? [];
  const rebuildRings = () => {
    rings.clear();
    for (const record of records) {
      const kind = record.key.kind ?? defaultKeyKind;
      const ring = rings.get(kind);
      if (ring) ring.push(record);
      else rings.set(kind, [record]);
    }
  };
  /** Moves a model's round-robin cursor; a flood of made-up model names only restarts the rotation. */
  const advance = (cursors: Map<string, number>, model: string, index: number) => {
    if (cursors.size >= maxModelsTracked && !cursors.has(model)) cursors.clear();
    cursors.set(model, index);
  };
  const changed = new Map<string, KeyRecord | null>();
  let nextProbeMs: number | undefined;
  let settled: { promise: Promise<void>; resolve: () => void } | undefined;
  const ledger = options.rateLedger;

  /** Wakes the requests that found every key busy: an attempt ended, or a share of a limit came. */
  function wake(): void {
    settled?.resolve();
    settled = undefined;
  }
  ledger?.onShare(wake);

  function settle(record: KeyRecord, model: string): void {
    const count = record.inFlight.get(model) ?? 0;
    if (count <= 1) record.inFlight.delete(model);
    else record.inFlight.set(model, count - 1);
    wake();
  }

  function usageOf(record: KeyRecord, model: string): Usage {
    let usage = record.usage.get(model);
    if (!usage) {
      if (record.usage.size >= maxModelsTracked)
        record.usage.delete(record.usage.keys().next().value as string);
      usage = createUsage(clock.now());
      record.usage.set(model, usage);
    }
    return usage;
  }

  let { softFailureLimit, rateLimits } = options;
  const limitOf = (model: string): RateLimit | undefined => rateLimits?.[model] ?? rateLimits?.['*'];

  /**
   * When the record can serve the model: ≤ now if it can, undefined if switched off, `pending`
   * while the shared ledger fetches this instance's share of the key's limit.
   */
  function readyAt(record: KeyRecord, model: string, nowMs: number): number | undefined | 'pending' {
    const rested = availableFrom(record.state, model);
    if (rested === undefined) return undefined;
    const limit = limitOf(model);
    if (!limit) return rested;
    const limited = ledger
      ? ledger.check(record.key.id, model, limit, nowMs)
      : limitedUntil(usageOf(record, model), limit, nowMs);
    if (limited === 'pending') return rested > nowMs ? rested : limited;
    return limited === undefined ? rested : Math.max(rested, limited);
  }

  function take(record: KeyRecord, model: string, nowMs: number): Selection {
    record.requests += 1;
    record.inFlight.set(model, (record.inFlight.get(model) ?? 0) + 1);
    countRequest(usageOf(record, model), nowMs);
    const limit = ledger && limitOf(model);
    if (limit) ledger.spend(record.key.id, model, limit, nowMs);
    changed.set(record.key.id, record);
    return { kind: 'key', key: record.key };
  }

  /** Sets a record's state, telling the other instances what the change means. */
  function setState(record: KeyRecord, next: KeyState): void {
    if (next === record.state) return;
    const before = record.state;
    record.state = next;
    changed.set(record.key.id, record);
    if (options.onEvents) {
      const events = keyEventsBetween(record.key.id, before, next, clock.now());
      if (events.length > 0) options.onEvents(events);
    }
  }

  function none(
    ring: readonly KeyRecord[],
    nowMs: number,
    earliest: number | undefined,
    triedReady = false,
  ): Selection {
    if (ring.length === 0) return { kind: 'none', reason: 'empty' };
    if (triedReady) return { kind: 'none', reason: 'tried' };
    if (earliest === undefined) {
      return {
        kind: 'none',
        reason: 'disabled',
        ...(nextProbeMs === undefined ? {} : { retryAtMs: nextProbeMs }),
      };
    }
    return { kind: 'none', reason: 'resting', retryAtMs: Math.max(earliest, nowMs) };
  }

  /** Checks the whole list before anything changes, so a refused list leaves the pool as it was. */
  function planRecords(list: readonly string[], kind: KeyKind = defaultKeyKind) {
    // The default kind is left implicit, as on every key before kinds: one shape per key.
    const keys: PoolKey[] = list.map((secret) =>
      kind === defaultKeyKind ? { ...identify(secret), secret } : { ...identify(secret), secret, kind },
    );
    const collisions = findKeyIdCollisions(keys, (id) => byId.get(id)?.key.secret);
    if (collisions.length > 0) throw new KeyIdCollisionError(collisions);
    const fresh = new Map<string, PoolKey>();
    const present: string[] = [];
    for (const key of keys) {
      // A key given twice is added once and reported present the second time.
      if (byId.has(key.id) || fresh.has(key.id)) present.push(key.id);
      else fresh.set(key.id, key);
    }
    return { fresh: [...fresh.values()], present };
  }

  function addRecords(list: readonly string[], source: KeySource, kind?: KeyKind) {
    const { fresh, present } = planRecords(list, kind);
    const added: string[] = [];
    for (const key of fresh) {
      const record: KeyRecord = {
        key,
        source,
        state: freshKeyState,
        requests: 0,
        failures: 0,
        savedRequests: 0,
        savedFailures: 0,
        usage: new Map(),
        proven: false,
        inFlight: new Map(),
      };
      records.push(record);
      byId.set(key.id, record);
      changed.set(key.id, record);
      added.push(key.id);
    }
    if (added.length > 0) rebuildRings();
    return { added, present };
  }

  function update(ids: readonly string[], change: (record: KeyRecord) => KeyState): string[] {
    const done: string[] = [];
    for (const id of ids) {
      const record = byId.get(id);
      if (!record) continue;
      setState(record, change(record));
      changed.set(id, record);
      done.push(id);
    }
    return done;
  }

  function viewOf(record: KeyRecord): KeyView {
    return {
      id: record.key.id,
      masked: record.key.masked,
      kind: record.key.kind ?? defaultKeyKind,
      source: record.source,
      state: record.state,
      usage: {
        requests: record.requests,
        failures: record.failures,
        models: Object.fromEntries([...record.usage].map(([model, usage]) => [model, { ...usage }])),
      },
    };
  }

  addRecords(secrets, 'settings');
  changed.clear();

  const pool: KeyPool = {
    get size() {
      return records.length;
    },
    select(model, { exclude, pinKeyId, allowBusy, kind = defaultKeyKind } = {}) {
      const nowMs = clock.now();
      const ring = ringOf(kind);
      if (pinKeyId !== undefined) {
        const record = byId.get(pinKeyId);
        // A key of another kind is not this pool's: its calls would go to another upstream.
        if (!record || (record.key.kind ?? defaultKeyKind) !== kind)
          return { kind: 'none', reason: 'unknown-pin' };
        const at = readyAt(record, model, nowMs);
        if (at === 'pending') return { kind: 'none', reason: 'busy' };
        return at !== undefined && at <= nowMs ? take(record, model, nowMs) : none(ring, nowMs, at);
      }
      const cursors = cursorsOf.get(kind) as Map<string, number>;
      const count = ring.length;
      const start = cursors.get(model) ?? 0;
      let earliest: number | undefined;
      let fresh = -1;
      let busyOnTrial = -1;
      let awaitingShare = false;
      let triedReady = false;
      for (let offset = 0; offset < count; offset++) {
        const index = (start + offset) % count;
        const record = ring[index] as KeyRecord;
        const at = readyAt(record, model, nowMs);
        if (at === undefined) continue;
        if (at === 'pending') {
          awaitingShare = true;
          continue;
        }
        if (at > nowMs) {
          earliest = earliest === undefined ? at : Math.min(earliest, at);
          continue;
        }
        if (exclude?.has(record.key.id)) {
          triedReady = true;
          continue;
        }
        if (record.inFlight.has(model) && onTrial(record, model)) {
          if (busyOnTrial === -1) busyOnTrial = index;
          continue;
        }
        if (freshFromRest(record, model, nowMs)) {
          if (fresh === -1) fresh = index;
          continue;
        }
        advance(cursors, model, index + 1);
        return take(record, model, nowMs);
      }
      const fallback = fresh !== -1 ? fresh : allowBusy ? busyOnTrial : -1;
      if (fallback !== -1) {
        advance(cursors, model, fallback + 1);
        return take(ring[fallback] as KeyRecord, model, nowMs);
      }
      // A key waiting for its share of a limit is busy for a moment, not resting: the share wakes it.
      if (busyOnTrial !== -1 || awaitingShare) return { kind: 'none', reason: 'busy' };
      return none(ring, nowMs, earliest, triedReady);
    },
    report(key, model, outcome, error) {
      const record = byId.get(key.id);
      if (!record) return;
      settle(record, model);
      pool.learn(key, model, outcome, error);
    },
    learn(key, model, outcome, error) {
      const record = byId.get(key.id);
      if (!record) return;
      if (outcome.kind === 'ok') record.proven = true;
      if (outcome.kind !== 'ok' && outcome.kind !== 'client-error') record.failures += 1;
      const next = nextKeyState(record.state, model, outcome, {
        nowMs: clock.now(),
        random: random(),
        softFailureLimit,
        ...(error ? { error } : {}),
      });
      setState(record, next);
    },
    release(key, model) {
      const record = byId.get(key.id);
      if (record) settle(record, model);
    },
    whenSettled() {
      if (!settled) {
        let resolve = () => {};
        const promise = new Promise<void>((done) => {
          resolve = done;
        });
        settled = { promise, resolve };
      }
      return settled.promise;
    },
    usableCount: () => records.filter((record) => !record.state.disabled).length,
    canServe(id, model) {
      const record = byId.get(id);
      if (!record) return false;
      const restedFrom = availableFrom(record.state, model);
      return restedFrom !== undefined && restedFrom <= clock.now();
    },
    secrets: () => records.map((record) => record.key.secret),
    keys: () => records.map((record) => record.key),
    find: (id) => byId.get(id)?.key,
    findSecret(secret) {
      const key = byId.get(identify(secret).id)?.key;
      return key?.secret === secret ? key : undefined;
    },
    stateOf: (id) => byId.get(id)?.state,
    list: () => records.map(viewOf),
    rows: () => records,
    view(id) {
      const record = byId.get(id);
      return record ? viewOf(record) : undefined;
    },
    refusedKeys: () =>
      records
        .filter((record) => record.state.disabled && record.state.disabled.reason !== 'operator')
        .map((r) => r.key),
    plan: planRecords,
    add: addRecords,
    remove(ids) {
      const removed = ids.filter((id) => byId.has(id));
      if (removed.length === 0) return removed;
      for (const id of removed) {
        byId.delete(id);
        changed.set(id, null);
      }
      records = records.filter((record) => byId.has(record.key.id));
      rebuildRings();
      for (const cursors of cursorsOf.values()) cursors.clear();
      return removed;
    },
    enable: (ids) =>
      update(ids, ({ state }) => {
        if (!state.disabled) return state;
        const { disabled: _dropped, ...rest } = state;
        // Strictly after the switch-off it undoes, even within its millisecond: other instances
        // order the two by time, and on a tie keep the key off.
        return { ...rest, enabledAtMs: Math.max(clock.now(), state.disabled.atMs + 1) };
      }),
    disable: (ids) =>
      update(ids, ({ state }) => ({
        ...state,
        disabled: { reason: 'operator' as DisabledReason, atMs: clock.now() },
      })),
    clearRest: (ids, model) =>
      update(ids, ({ state }) => {
        if (model === undefined) return { ...state, models: {} };
        const { [model]: _dropped, ...models } = state.models;
        return { ...state, models };
      }),
    restore(id, persisted) {
      const record = byId.get(id);
      if (!record) return;
      record.state = persisted.state;
      record.requests = persisted.requests;
      record.failures = persisted.failures;
      record.savedRequests = persisted.requests;
      record.savedFailures = persisted.failures;
    },
    merge(events) {
      let merged = 0;
      for (const event of events) {
        const record = byId.get(event.id);
        if (!record) continue;
        const next = mergeKeyEvent(record.state, event);
        if (next === record.state) continue;
        // Saved here too: the state row is whole, and this instance may write it after the one that learned this.
        record.state = next;
        changed.set(event.id, record);
        merged += 1;
      }
      return merged;
    },
    takeChanged() {
      const result = new Map<string, KeyStateChange | null>();
      for (const [id, record] of changed) {
        if (!record) {
          result.set(id, null);
          continue;
        }
        result.set(id, {
          state: record.state,
          addedRequests: record.requests - record.savedRequests,
          addedFailures: record.failures - record.savedFailures,
        });
        record.savedRequests = record.requests;
        record.savedFailures = record.failures;
      }
      changed.clear();
      return result;
    },
    setNextProbe(atMs) {
      nextProbeMs = atMs;
    },
    setLimits(limits) {
      softFailureLimit = limits.softFailureLimit;
      rateLimits = limits.rateLimits;
    },
  };
  return pool;
}
