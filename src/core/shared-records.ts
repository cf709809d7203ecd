/**
 * Small records every instance behind a balancer may read, whichever wrote them (a verification
 * job's progress; later, which key owns a file). Writing never waits and never fails the caller.
 */
export interface SharedRecords {
  /** Keeps `value` under `name` for `ttlMs`, replacing what was there. */
  put(name: string, value: string, ttlMs: number): void;
  /** The value under `name`; undefined when none, or when the store cannot answer. */
  get(name: string): Promise<string | undefined>;
}
