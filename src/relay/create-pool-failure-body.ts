import { defaultKeyKind, type KeyKind } from '../core/key-kind.js';
import type { Selection } from '../keypool/key-pool.js';
import { createGeminiErrorBody, type GeminiErrorBody } from '../protocols/gemini/gemini-error.js';

export interface PoolFailure {
  /**
   * Why no key could serve: the pool's reason, or `proxies-resting` when every outbound proxy rests
   * after Google rate-limited its address.
   */
  readonly reason: Extract<Selection, { kind: 'none' }>['reason'] | 'proxies-resting';
  /** The model asked for; null for calls that spend no model quota. */
  readonly model: string | null;
  /** How long until a key may serve the model again, when the pool knows. */
  readonly retryAfterMs?: number;
  readonly pinKeyId?: string;
  /** The kind of key the request needed: each kind is a pool of its own. `ai-studio` when absent. */
  readonly keyKind?: KeyKind;
}

/** What each kind's keys are called, and the setting that holds them. */
const kindWords: Readonly<Record<KeyKind, { readonly key: string; readonly setting: string }>> = {
  'ai-studio': { key: 'API key', setting: 'API_KEYS' },
  'vertex-express': { key: 'Vertex AI express key', setting: 'VERTEX_API_KEYS' },
};

// Beyond this a rest is a daily quota's in all but name, and is reported as one: clients such as
// gemini-cli stop retrying on a `PerDay` quota id instead of retrying for minutes into a pool
// resting for hours.
const dayLikeRestMs = 3_600_000;

/** Whole seconds, rounded up, and at least 1: a client told to retry sooner meets the same rest. */
export function retryAfterSecondsOf(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/**
 * The gateway's own answer when no key can serve, in Google's shape and Google's terms: a 429 with
 * `RetryInfo`, a `QuotaFailure` naming the model, and Google's "Please retry in Ns." wording,
 * which Gemini SDKs and gemini-cli read to decide whether and when to retry.
 */
export function createPoolFailureBody(failure: PoolFailure): { status: number; body: GeminiErrorBody } {
  const model = failure.model ?? 'this request';
  const words = kindWords[failure.keyKind ?? defaultKeyKind];
  const seconds = failure.retryAfterMs === undefined ? undefined : retryAfterSecondsOf(failure.retryAfterMs);
  const retry = seconds === undefined ? '' : ` Please retry in ${seconds}s.`;
  const retryInfo =
    seconds === undefined
      ? []
      : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` }];
  switch (failure.reason) {
    case 'empty':
      return failure.keyKind === 'vertex-express'
        ? error(503, `gemgate has no Vertex AI express keys configured: set ${words.setting}.`)
        : error(503, 'gemgate has no Gemini API keys configured: set API_KEYS.');
    case 'unknown-pin':
      return error(404, `The key this request is bound to (${failure.pinKeyId}) is no longer in the pool.`);
    case 'tried':
    case 'busy':
      return error(503, `Every usable ${words.key} failed for ${model}.`);
    case 'disabled':
      // A file or cached content lives with one key (as does a request the operator pinned): no
      // other key can stand in for it.
      if (failure.pinKeyId !== undefined)
        return error(
          429,
          `${boundKey(failure.pinKeyId)} is switched off, so no other key of this gateway can serve this request: ask the operator to switch it on, or upload the files again.${retry}`,
          retryInfo,
        );
      return error(
        429,
        `No ${words.key} of this gateway can serve ${model}: every key is switched off.${retry}`,
        retryInfo,
      );
    case 'proxies-resting':
      // The proxies' addresses are the operator's to know: the client hears only what happened.
      return error(
        429,
        `Google is rate-limiting the addresses this gateway calls it from (its outbound proxies), whichever API key is used.${retry}`,
        [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric: 'gemgate/outbound_proxy_requests',
                quotaId: 'GatewayOutboundProxyPerMinute',
                quotaDimensions: { model },
              },
            ],
          },
          ...retryInfo,
        ],
      );
    case 'resting': {
      const perDay = (failure.retryAfterMs ?? 0) > dayLikeRestMs;
      const quotaFailure = {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'gemgate/key_pool_requests',
            quotaId: perDay ? 'GatewayKeyPoolPerDayPerModel' : 'GatewayKeyPoolPerMinutePerModel',
            quotaDimensions: { model },
          },
        ],
      };
      const who =
        failure.pinKeyId === undefined
          ? `Every ${words.key} of this gateway is`
          : `${boundKey(failure.pinKeyId)} is`;
      return error(429, `${who} resting for ${model} after rate limits or errors.${retry}`, [
        quotaFailure,
        ...retryInfo,
      ]);
    }
  }
}

/** The key a request is bound to, and why it is bound. */
const boundKey = (id: string) =>
  `The key this request is bound to (${id}: the one that holds the files or cached content it names, or that x-gemgate-key-id chose)`;

function error(status: number, message: string, details?: unknown[]) {
  return { status, body: createGeminiErrorBody(status, message, details) };
}
