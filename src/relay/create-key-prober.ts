import { Cancellation } from '../core/cancellation.js';
import type { Clock } from '../core/clock.js';
import { defaultKeyKind, type KeyKind } from '../core/key-kind.js';
import { redactSecrets } from '../core/redact-secrets.js';
import { classifyOutcome, describeOutcome } from '../keypool/classify-outcome.js';
import type { KeyPool, PoolKey } from '../keypool/key-pool.js';
import type { UpstreamRequest } from '../upstream/endpoints/endpoint.js';
import { describeNetworkError, type GeminiClient } from '../upstream/gemini-client.js';
import { parseGeminiError } from '../upstream/parse-gemini-error.js';

/**
 * What a probe showed about a key: Google refuses it (it is switched off), it serves (a refusal
 * that met a request was the request's), or nothing (Google or the network failed the probe).
 */
export type ProbeVerdict = 'refused' | 'serves' | 'unknown';

export interface ProbeResult {
  readonly id: string;
  readonly masked: string;
  readonly verdict: ProbeVerdict;
  readonly ok: boolean;
  readonly status: number | null;
  /** The outcome's name when the probe failed, e.g. `invalid-key`. */
  readonly errorType?: string;
  readonly message?: string;
}

export interface ProbeOptions {
  /** Called as each key's probe ends, for a job's progress. */
  readonly onResult?: (result: ProbeResult) => void;
  /** Stops the run: no key is probed after, and probes under way end as `cancelled`. */
  readonly cancellation?: Cancellation;
}

export interface KeyProber {
  /**
   * Checks the keys now; a refused key that answers comes back, a dead one is switched off. A
   * cancelled run answers with the results it has.
   */
  probe(keys: readonly PoolKey[], options?: ProbeOptions): Promise<ProbeResult[]>;
  /**
   * Probes a key that Google refused during a request, before the pool switches it off. Concurrent
   * refusals of one key share one probe, and a verdict serves for a few seconds.
   */
  confirmRefusal(key: PoolKey): Promise<ProbeVerdict>;
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
  /** How long one probe may take (10 s unless a test says otherwise). */
  readonly timeoutMs?: number;
}

const probeScope = '*';
const concurrentProbes = 8;
// Long enough that a burst of refused requests costs one probe, short enough that a key suspended
// a moment after a probe is soon found out.
const verdictReuseMs = 5_000;

// Vertex AI's express mode serves model calls only, not model entries: an express key is checked
// by counting the tokens of one word, which needs a valid key and spends no generation quota either.
const countOneWord = Buffer.from('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}');

/** The probe's call for a key of `kind`. */
function probeRequest(kind: KeyKind, testModel: string): UpstreamRequest {
  const model = encodeURIComponent(testModel);
  return kind === 'vertex-express'
    ? { method: 'POST', path: `/v1beta/models/${model}:countTokens`, query: '', body: countOneWord }
    : { method: 'GET', path: `/v1beta/models/${model}`, query: '' };
}

/**
 * Checks keys with `GET models/{TEST_MODEL}` (express keys: countTokens): it needs a valid,
 * unsuspended key and spends no generation quota, unlike the seed's hourly generateContent probe.
 */
export function createKeyProber(options: KeyProberOptions): KeyProber {
  const { pool, client, clock } = options;

  async function probeOne(key: PoolKey, cancellation?: Cancellation): Promise<ProbeResult> {
    const base = { id: key.id, masked: key.masked };
    let answer: Awaited<ReturnType<GeminiClient['send']>>;
    // A probe may stand between a request and its answer, so it gets seconds, not TIME_OUT.
    const deadline = new Cancellation();
    const timer = setTimeout(() => deadline.cancel(), options.timeoutMs ?? 10_000);
    const cancel = () => deadline.cancel();
    cancellation?.once('abort', cancel);
    try {
      answer = await client.send(
        probeRequest(key.kind ?? defaultKeyKind, options.testModel),
        key,
        false,
        deadline,
      );
    } catch (error) {
      const cause = cancellation?.aborted
        ? 'cancelled'
        : deadline.aborted
          ? 'timeout'
          : describeNetworkError(error);
      const message =
        cause === 'cancelled'
          ? 'The probe was cancelled (the gateway is shutting down).'
          : cause === 'timeout'
            ? 'Google did not answer the probe in time.'
            : cause === 'proxy'
              ? (error as Error).message
              : 'The connection to Google failed.';
      return { ...base, verdict: 'unknown', ok: false, status: null, errorType: cause, message };
    } finally {
      clearTimeout(timer);
      cancellation?.off('abort', cancel);
    }
    const status = answer.statusCode;
    const body = answer.kind === 'complete' ? answer.body.toString('utf8') : '';
    const error = status < 400 ? undefined : parseGeminiError(body);
    const outcome = classifyOutcome({ kind: 'response', status, ...(error ? { error } : {}) }, clock.now());
    // The probe sends the key alone, so only the key can be refused here; any other answer (even a
    // 404 for TEST_MODEL or a 429) means Google took the key.
    if (outcome.kind === 'key-dead' || outcome.kind === 'upstream-trouble') {
      const message = redactSecrets(error?.message ?? '', [key.secret]);
      const errorType = describeOutcome(outcome);
      if (outcome.kind === 'upstream-trouble') {
        return { ...base, verdict: 'unknown', ok: false, status, errorType, message };
      }
      pool.learn(key, probeScope, outcome, { status, type: errorType, message });
      return { ...base, verdict: 'refused', ok: false, status, errorType, message };
    }
    // A key an operator switched off stays off until the operator says otherwise.
    const disabled = pool.stateOf(key.id)?.disabled;
    if (disabled && disabled.reason !== 'operator') pool.enable([key.id]);
    return { ...base, verdict: 'serves', ok: true, status };
  }

  const verdicts = new Map<string, { readonly atMs: number; readonly verdict: Promise<ProbeVerdict> }>();

  function confirmRefusal(key: PoolKey): Promise<ProbeVerdict> {
    const nowMs = clock.now();
    const recent = verdicts.get(key.id);
    if (recent && nowMs - recent.atMs < verdictReuseMs) return recent.verdict;
    const verdict = probeOne(key).then((result) => result.verdict);
    verdicts.set(key.id, { atMs: nowMs, verdict });
    // Forget old verdicts so the map holds only keys refused in the last few seconds.
    for (const [id, entry] of verdicts) if (nowMs - entry.atMs >= verdictReuseMs) verdicts.delete(id);
    return verdict;
  }

  async function probe(keys: readonly PoolKey[], { onResult, cancellation }: ProbeOptions = {}) {
    const results: ProbeResult[] = new Array(keys.length);
    let next = 0;
    const worker = async () => {
      while (next < keys.length && !cancellation?.aborted) {
        const index = next++;
        const result = await probeOne(keys[index] as PoolKey, cancellation);
        results[index] = result;
        onResult?.(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrentProbes, keys.length) }, worker));
    // A cancelled run leaves holes where keys were not probed; filter skips them.
    return results.filter(() => true);
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
    confirmRefusal,
    close: () => clearInterval(timer),
  };
}
