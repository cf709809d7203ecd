import type { LeaseStore, RateLedger } from './rate-ledger.js';
import { countRequest, createUsage, limitedUntil, type RateLimit, type Usage } from './usage-window.js';

export interface SharedRateLedgerOptions {
  readonly store: LeaseStore;
  readonly now: () => number;
  /** How long after a failed lease the instance counts on its own before asking the store again. */
  readonly retryMs?: number;
}

/** This instance's share of one key's limit for one model, in the current windows. */
interface Share {
  minuteStartMs: number;
  dayEndMs: number;
  /** Requests granted and not yet sent. */
  permits: number;
  /** Requests sent without a grant while the store was out of reach, not yet added to its counts. */
  unreported: number;
  /** No more is granted until then: a window's limit is used up across the instances. */
  heldUntilMs: number;
  fetching: boolean;
  /** What this instance sent in the windows, for the outage share. */
  readonly usage: Usage;
}

// Shares are taken in small batches so that few requests of a window are left unused in one
// instance when it ends: a twentieth of the limit, at least 1 and at most 50.
export function batchOf(limit: RateLimit): number {
  const base = limit.rpm ?? Math.ceil((limit.rpd ?? 20) / 60);
  return Math.min(50, Math.max(1, Math.floor(base / 20)));
}

/** The part of a limit one instance keeps to while the store is out of reach. */
export function outageShareOf(limit: RateLimit, instances: number): RateLimit {
  const part = (value: number | undefined) =>
    value === undefined ? undefined : Math.max(1, Math.floor(value / Math.max(1, instances)));
  const rpm = part(limit.rpm);
  const rpd = part(limit.rpd);
  return { ...(rpm === undefined ? {} : { rpm }), ...(rpd === undefined ? {} : { rpd }) };
}

// Clients choose model names: the shares kept are bounded, the oldest forgotten first.
const maxShares = 100_000;

/**
 * KEY_RATE_LIMITS across instances: each instance leases shares of a key's limit from the store
 * ahead of need (the next batch is asked for as soon as the one in hand runs low), so a choice is
 * still made in memory, and the instances together never send more than the limit in a window.
 * While the store is out of reach, each instance keeps to its part of the limit (the limit
 * divided by the instances last seen), counted locally, and shares again once the store answers.
 */
export function createSharedRateLedger(options: SharedRateLedgerOptions): RateLedger {
  const { store, now } = options;
  const retryMs = options.retryMs ?? 1_000;
  const shares = new Map<string, Share>();
  const listeners: (() => void)[] = [];
  let localUntilMs = 0;

  const notify = () => {
    for (const listener of listeners) listener();
  };

  function shareOf(bucket: string, limit: RateLimit, nowMs: number): Share {
    let share = shares.get(bucket);
    if (!share) {
      if (shares.size >= maxShares) shares.delete(shares.keys().next().value as string);
      share = {
        minuteStartMs: 0,
        dayEndMs: 0,
        permits: 0,
        unreported: 0,
        heldUntilMs: 0,
        fetching: false,
        usage: createUsage(nowMs),
      };
      shares.set(bucket, share);
    }
    // Permits belong to the windows they were counted in: a new window starts empty.
    const minuteStartMs = nowMs - (nowMs % 60_000);
    const dayEndMs = share.usage.dayEndMs > nowMs ? share.usage.dayEndMs : createUsage(nowMs).dayEndMs;
    const minuteRolled = limit.rpm !== undefined && minuteStartMs !== share.minuteStartMs;
    if (minuteRolled || dayEndMs !== share.dayEndMs) {
      share.permits = 0;
      share.unreported = 0;
    }
    share.minuteStartMs = minuteStartMs;
    share.dayEndMs = dayEndMs;
    return share;
  }

  function fetch(bucket: string, share: Share, limit: RateLimit): void {
    share.fetching = true;
    const { minuteStartMs, dayEndMs } = share;
    const want = batchOf(limit);
    const spent = share.unreported;
    store
      .lease({
        bucket,
        want,
        ...(spent > 0 ? { spent } : {}),
        ...(limit.rpm === undefined ? {} : { minute: { startMs: minuteStartMs, limit: limit.rpm } }),
        ...(limit.rpd === undefined ? {} : { day: { endMs: dayEndMs, limit: limit.rpd } }),
      })
      .then(
        (grant) => {
          share.fetching = false;
          // A grant for windows that ended while it travelled is of no use (the minute only when it is limited).
          const minuteEnded = limit.rpm !== undefined && share.minuteStartMs !== minuteStartMs;
          if (minuteEnded || share.dayEndMs !== dayEndMs) return;
          share.unreported -= spent;
          share.permits += grant.granted;
          if (grant.dayLeft === 0) share.heldUntilMs = dayEndMs;
          else if (grant.minuteLeft === 0 && limit.rpm !== undefined)
            share.heldUntilMs = minuteStartMs + 60_000;
        },
        () => {
          share.fetching = false;
          localUntilMs = now() + retryMs;
        },
      )
      .finally(notify);
  }

  return {
    check(id, model, limit, nowMs) {
      const bucket = `${id} ${model}`;
      const share = shareOf(bucket, limit, nowMs);
      if (share.permits > 0) return undefined;
      if (nowMs < localUntilMs)
        return limitedUntil(share.usage, outageShareOf(limit, store.instances()), nowMs);
      if (share.heldUntilMs > nowMs) return share.heldUntilMs;
      if (!share.fetching) fetch(bucket, share, limit);
      return 'pending';
    },
    spend(id, model, limit, nowMs) {
      const bucket = `${id} ${model}`;
      const share = shareOf(bucket, limit, nowMs);
      countRequest(share.usage, nowMs);
      if (share.permits > 0) share.permits -= 1;
      // Sent on this instance's outage share: the store counts it once it answers again.
      else share.unreported += 1;
      // Ahead of need: the next batch is on its way before this one is spent.
      const low = share.permits < Math.ceil(batchOf(limit) / 2);
      if (low && !share.fetching && share.heldUntilMs <= nowMs && nowMs >= localUntilMs)
        fetch(bucket, share, limit);
    },
    onShare(listener) {
      listeners.push(listener);
    },
  };
}
