import { Cancellation } from '../core/cancellation.js';
import type { Clock } from '../core/clock.js';
import { redactSecrets } from '../core/redact-secrets.js';
import { classifyOutcome, describeOutcome } from '../keypool/classify-outcome.js';
import type { KeyPool, PoolKey } from '../keypool/key-pool.js';
import { describeNetworkError, type GeminiClient } from '../upstream/gemini-client.js';
import { parseGeminiError } from '../upstream/parse-gemini-error.js';

export interface ProbeResult {
  readonly id: string;
  readonly masked: string;
  readonly ok: boolean;
  readonly status: number | null;
  /** The outcome's name when the probe failed, e.g. `invalid-key`. */
  readonly errorType?: string;
  readonly message?: string;
}

export interface KeyProber {
  /** Checks the keys now; a refused key that answers comes back, a dead one is switched off. */
  probe(keys: readonly PoolKey[]): Promise<ProbeResult[]>;
  close(): void;
}

export interface KeyProberOptions {
  readonly pool: KeyPool;
  readonly client: GeminiClient;
  readonly clock: Clock;
  /** The model whose metadata the probe reads (TEST_MODEL). */
  readonly testModel: string;
  /** How often keys Google refused are probed (CHECK_INTERVAL_HOURS); 0 turns the schedule off. */
  readonly intervalMs: number;
  readonly onProbed?: (results: readonly ProbeResult[]) => void;
}

const probeScope = '*';
const concurrentProbes = 8;

/**
 * Checks keys with `GET models/{TEST_MODEL}`: it needs a valid, unsuspended key and spends no
 * generation quota, unlike the seed's hourly generateContent probe.
 */
export function createKeyProber(options: KeyProberOptions): KeyProber {
  const { pool, client, clock } = options;

  async function probeOne(key: PoolKey): Promise<ProbeResult> {
    const base = { id: key.id, masked: key.masked };
    try {
      const answer = await client.send(
        { method: 'GET', path: `/v1beta/models/${encodeURIComponent(options.testModel)}`, query: '' },
        key.secret,
        false,
        new Cancellation(),
      );
      if (answer.statusCode < 400) {
        // A key an operator switched off stays off until the operator says otherwise.
        const disabled = pool.stateOf(key.id)?.disabled;
        if (disabled && disabled.reason !== 'operator') pool.enable([key.id]);
        return { ...base, ok: true, status: answer.statusCode };
      }
      if (answer.kind !== 'complete') throw new Error('unexpected stream');
      const error = parseGeminiError(answer.body.toString('utf8'));
      const message = redactSecrets(error.message, [key.secret]);
      const outcome = classifyOutcome({ kind: 'response', status: answer.statusCode, error }, clock.now());
      const errorType = describeOutcome(outcome);
      pool.report(key, probeScope, outcome, { status: answer.statusCode, type: errorType, message });
      return { ...base, ok: false, status: answer.statusCode, errorType, message };
    } catch (error) {
      const cause = describeNetworkError(error);
      const message =
        cause === 'timeout' ? 'Google did not answer within TIME_OUT.' : 'The connection to Google failed.';
      return { ...base, ok: false, status: null, errorType: cause, message };
    }
  }

  async function probe(keys: readonly PoolKey[]): Promise<ProbeResult[]> {
    const results: ProbeResult[] = new Array(keys.length);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const index = next++;
        results[index] = await probeOne(keys[index] as PoolKey);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrentProbes, keys.length) }, worker));
    return results;
  }

  let timer: NodeJS.Timeout | undefined;
  // setInterval holds at most 2^31 - 1 ms (24.8 days).
  const intervalMs = Math.min(options.intervalMs, 2 ** 31 - 1);
  if (intervalMs > 0) {
    pool.setNextProbe(clock.now() + intervalMs);
    timer = setInterval(async () => {
      pool.setNextProbe(clock.now() + intervalMs);
      const refused = pool.refusedKeys();
      if (refused.length > 0) options.onProbed?.(await probe(refused));
    }, intervalMs);
    timer.unref();
  }

  return {
    probe,
    close: () => clearInterval(timer),
  };
}
