import type { Clock } from '../core/clock.js';

/** How close together the 429s of distinct keys through one proxy must come to be the proxy's. */
export const proxyRateLimitWindowMs = 10_000;
/** A proxy's rest when Google named no retry time (a 429 without RetryInfo). */
export const defaultProxyRestMs = 60_000;
/** However long Google asks, a proxy is tried again after this: a hostile answer cannot park it for good. */
export const maxProxyRestMs = 10 * 60_000;
/** A rest that ends as it starts (RetryInfo `0s`) would let the next call meet the same limit. */
export const minProxyRestMs = 1_000;

/** A 429 that came through an outbound proxy, for a key and model. */
export interface ProxyRateLimit {
  /** The proxy's label, `scheme://host:port`. */
  readonly proxy: string;
  readonly keyId: string;
  readonly model: string;
  /** When Google said to retry (RetryInfo), when it did. */
  readonly retryAtMs?: number;
}

/** A key's rest for a model that was the proxy's doing: the pool clears it. */
export interface ExcusedRest {
  readonly keyId: string;
  readonly model: string;
}

/** A proxy resting: until when, since when, and how many distinct keys were limited through it. */
export interface ProxyRest {
  readonly proxy: string;
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly keys: number;
}

/** What one 429 through a proxy means. */
export interface ProxyRateLimitVerdict {
  /** The rests to clear: none when the 429 is the key's own. */
  readonly excused: readonly ExcusedRest[];
  /** Set when this 429 put the proxy to rest. */
  readonly started?: ProxyRest;
}

export interface ProxyRests {
  /**
   * Weighs a 429 that came through a proxy. When `threshold` distinct keys (PROXY_RATE_LIMIT_KEYS;
   * 0: never) were limited through the same proxy within `proxyRateLimitWindowMs`, the limit is
   * the proxy's address's, not the keys': the proxy rests, and their rests are excused. A 429
   * through a proxy already resting (a call sent before its rest began) is excused too. A key
   * excused by one proxy that is limited again through another, while that excuse runs, has met
   * its own limit: that 429 is the key's, and counts for no proxy.
   */
  rateLimited(limit: ProxyRateLimit, threshold: number): ProxyRateLimitVerdict;
  /** When `proxy`'s rest ends; undefined when it is not resting. */
  restingUntil(proxy: string): number | undefined;
  /** When every one of `proxies` rests (at least one given): when the first is back; else undefined. */
  allRestingUntil(proxies: readonly string[]): number | undefined;
  /** The rests running now. */
  list(): ProxyRest[];
}

interface Hit {
  readonly keyId: string;
  readonly model: string;
  readonly atMs: number;
  readonly retryAtMs: number | undefined;
}

const excuseKey = (keyId: string, model: string) => `${keyId}\n${model}`;

/**
 * The outbound proxies' standing, kept apart from the keys': 429s through each proxy in a sliding
 * window, the proxies resting, and the key rests excused because of them. Pure but for the clock;
 * it outlives the upstream clients (a change of TIME_OUT builds a new one) and is keyed by label.
 * Nothing here runs unless PROXIES is set, and then only for 429s and a map look-up per call.
 */
export function createProxyRests(clock: Clock): ProxyRests {
  const hits = new Map<string, Hit[]>();
  const rests = new Map<string, ProxyRest>();
  const excused = new Map<string, { readonly proxy: string; readonly untilMs: number }>();

  function restOf(proxy: string, nowMs: number): ProxyRest | undefined {
    const rest = rests.get(proxy);
    if (rest === undefined || rest.untilMs > nowMs) return rest;
    rests.delete(proxy);
    return undefined;
  }

  function excuse(proxy: string, untilMs: number, list: readonly ExcusedRest[]): void {
    for (const { keyId, model } of list) excused.set(excuseKey(keyId, model), { proxy, untilMs });
  }

  function forgetEnded(nowMs: number): void {
    for (const [key, entry] of excused) if (entry.untilMs <= nowMs) excused.delete(key);
  }

  return {
    rateLimited({ proxy, keyId, model, retryAtMs }, threshold) {
      const none: ProxyRateLimitVerdict = { excused: [] };
      if (threshold <= 0) return none;
      const nowMs = clock.now();
      const prior = excused.get(excuseKey(keyId, model));
      if (prior !== undefined && prior.untilMs > nowMs && prior.proxy !== proxy) return none;
      const rest = restOf(proxy, nowMs);
      if (rest) {
        const list = [{ keyId, model }];
        excuse(proxy, rest.untilMs, list);
        return { excused: list };
      }
      const since = nowMs - proxyRateLimitWindowMs;
      const recent = (hits.get(proxy) ?? []).filter((hit) => hit.atMs > since);
      recent.push({ keyId, model, atMs: nowMs, retryAtMs });
      const keys = new Set(recent.map((hit) => hit.keyId)).size;
      if (keys < threshold) {
        hits.set(proxy, recent);
        return none;
      }
      hits.delete(proxy);
      let latest = nowMs;
      for (const hit of recent) latest = Math.max(latest, hit.retryAtMs ?? hit.atMs + defaultProxyRestMs);
      const untilMs = Math.min(Math.max(latest, nowMs + minProxyRestMs), nowMs + maxProxyRestMs);
      const started: ProxyRest = { proxy, sinceMs: nowMs, untilMs, keys };
      rests.set(proxy, started);
      // Each key's rest for each model once, though it may have been limited more than once.
      const seen = new Set<string>();
      const list: ExcusedRest[] = [];
      for (const hit of recent) {
        const key = excuseKey(hit.keyId, hit.model);
        if (seen.has(key)) continue;
        seen.add(key);
        list.push({ keyId: hit.keyId, model: hit.model });
      }
      forgetEnded(nowMs);
      excuse(proxy, untilMs, list);
      return { excused: list, started };
    },
    restingUntil(proxy) {
      if (rests.size === 0) return undefined;
      return restOf(proxy, clock.now())?.untilMs;
    },
    allRestingUntil(proxies) {
      if (rests.size === 0 || proxies.length === 0) return undefined;
      const nowMs = clock.now();
      let first = Number.POSITIVE_INFINITY;
      for (const proxy of proxies) {
        const rest = restOf(proxy, nowMs);
        if (rest === undefined) return undefined;
        first = Math.min(first, rest.untilMs);
      }
      return first;
    },
    list() {
      const nowMs = clock.now();
      return [...rests.keys()].flatMap((proxy) => restOf(proxy, nowMs) ?? []);
    },
  };
}

/** One outbound proxy as the operator API shows it: never its credentials. */
export interface ProxyState {
  /** `scheme://host:port`. */
  readonly proxy: string;
  /** While it rests: since and until when (ISO), how many keys were limited through it at once, and why. */
  readonly rest: {
    readonly since: string;
    readonly until: string;
    readonly keys: number;
    readonly reason: string;
  } | null;
}

/** The proxies of PROXIES in force (`labels`), in order, with the rests running among `rests`. */
export function describeProxyStates(labels: readonly string[], rests: readonly ProxyRest[]): ProxyState[] {
  const byProxy = new Map(rests.map((rest) => [rest.proxy, rest]));
  return labels.map((proxy) => {
    const rest = byProxy.get(proxy);
    if (!rest) return { proxy, rest: null };
    return {
      proxy,
      rest: {
        since: new Date(rest.sinceMs).toISOString(),
        until: new Date(rest.untilMs).toISOString(),
        keys: rest.keys,
        reason: `Google rate-limited ${rest.keys} keys through it within ${proxyRateLimitWindowMs / 1000} s: its address's limit, not the keys'`,
      },
    };
  });
}
