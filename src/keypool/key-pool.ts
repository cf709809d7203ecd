import { createKeyIdentity, type KeyIdentity } from '../core/key-identity.js';
import type { Outcome } from './classify-outcome.js';

export interface PoolKey extends KeyIdentity {
  /** The key itself: only the upstream client may put it on the wire. */
  readonly secret: string;
}

export interface KeyPool {
  readonly size: number;
  /**
   * The next key for `model` in round-robin order, skipping keys in `exclude` and keys that cannot
   * serve; undefined when none is left.
   */
  select(model: string, exclude?: ReadonlySet<string>): PoolKey | undefined;
  report(key: PoolKey, model: string, outcome: Outcome): void;
  /** How many keys can serve right now. */
  usableCount(): number;
  /** Every key secret, for scrubbing upstream text. */
  secrets(): readonly string[];
}

export interface KeyPoolOptions {
  /** Consecutive key-attributable failures after which a key is skipped (MAX_FAILURES). */
  readonly maxFailures: number;
}

interface KeyRecord {
  readonly key: PoolKey;
  failures: number;
  disabled: boolean;
}

const noExclusions: ReadonlySet<string> = new Set();

/**
 * Round-robin per model over the configured keys. A dead key (invalid, suspended) is skipped at
 * once; a rate-limited one after MAX_FAILURES in a row; Google's own trouble (5xx, timeouts)
 * never counts against a key (KEYPOOL.md).
 */
export function createKeyPool(keys: readonly string[], options: KeyPoolOptions): KeyPool {
  const records: KeyRecord[] = [];
  const seen = new Set<string>();
  for (const secret of keys) {
    if (seen.has(secret)) continue;
    seen.add(secret);
    records.push({ key: { ...createKeyIdentity(secret), secret }, failures: 0, disabled: false });
  }
  const byId = new Map(records.map((record) => [record.key.id, record]));
  const cursors = new Map<string, number>();
  const usable = (record: KeyRecord) => !record.disabled && record.failures < options.maxFailures;

  return {
    size: records.length,
    select(model, exclude = noExclusions) {
      const start = cursors.get(model) ?? 0;
      for (let offset = 0; offset < records.length; offset++) {
        const index = (start + offset) % records.length;
        const record = records[index] as KeyRecord;
        if (!usable(record) || exclude.has(record.key.id)) continue;
        cursors.set(model, index + 1);
        return record.key;
      }
      return undefined;
    },
    report(key, _model, outcome) {
      const record = byId.get(key.id);
      if (!record) return;
      if (outcome.kind === 'ok') record.failures = 0;
      else if (outcome.kind === 'key-dead') record.disabled = true;
      else if (outcome.kind === 'cool') record.failures += 1;
    },
    usableCount: () => records.filter(usable).length,
    secrets: () => records.map((record) => record.key.secret),
  };
}
