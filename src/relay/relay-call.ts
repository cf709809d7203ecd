import type { AttemptRecord } from '../core/attempt-trace.js';
import type { Cancellation } from '../core/cancellation.js';
import type { Clock } from '../core/clock.js';
import type { GeminiErrorInfo } from '../core/gemini-error-info.js';
import { defaultKeyKind, type KeyKind } from '../core/key-kind.js';
import type { LogSink } from '../core/log-sink.js';
import type { MetricSink } from '../core/metric-sink.js';
import { createSecretScrubber, redactSecrets } from '../core/redact-secrets.js';
import {
  classifyOutcome,
  confirmationOf,
  describeOutcome,
  type Outcome,
  ok,
} from '../keypool/classify-outcome.js';
import type { KeyPool, PoolKey } from '../keypool/key-pool.js';
import type { KeyError } from '../keypool/key-state.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import {
  describeNetworkError,
  describeTimeout,
  type GeminiClient,
  KeyWithdrawnError,
  type UpstreamAnswer,
  type UpstreamHeaders,
  type UpstreamRequest,
  type UpstreamStream,
} from '../upstream/gemini-client.js';
import { parseGeminiError } from '../upstream/parse-gemini-error.js';
import type { ProxyRest, ProxyRests } from '../upstream/proxy-rests.js';
import type { ProbeVerdict } from './create-key-prober.js';
import { createPoolFailureBody, type PoolFailure, retryAfterSecondsOf } from './create-pool-failure-body.js';
import { sleep } from './sleep.js';

export interface RelayContext {
  readonly pool: KeyPool;
  readonly client: GeminiClient;
  /** Probes a key Google refused, before it is switched off (the prober's `confirmRefusal`). */
  readonly confirmRefusal: (key: PoolKey) => Promise<ProbeVerdict>;
  /**
   * Attempts one request may spend on Google's own trouble (MAX_RETRIES), each on another key where
   * one exists. Attempts that find a key refused or rate-limited do not count against it.
   */
  readonly maxAttempts: number;
  readonly log: LogSink;
  /** Where each upstream call, pool-exhausted answer and answered request is counted. */
  readonly metrics: MetricSink;
  readonly clock: Clock;
  readonly random: () => number;
  /** Whether failed attempts record the request body (ERROR_LOG_RECORD_REQUEST_BODY). */
  readonly logRequestBodies: boolean;
  /** The first pause before retrying after Google's own trouble; it doubles with each such retry. */
  readonly troubleBackoffMs: number;
  /** How long a request may wait for a resting key before it is answered 429 (POOL_WAIT_SECONDS). */
  readonly maxWaitMs: number;
  /** A debug log line per call as it goes on the wire (key id and model), when LOG_LEVEL is debug. */
  readonly debug?: (fields: Record<string, unknown>, message: string) => void;
  /** With PROXIES: the proxies' rests after rate limits of their address. Absent without PROXIES. */
  readonly proxies?: ProxyRestPolicy;
}

/** How 429s that came through outbound proxies are weighed, and what a proxy's rest does. */
export interface ProxyRestPolicy {
  /** Shared by every version of the settings: a rest outlives a change of TIME_OUT. */
  readonly rests: ProxyRests;
  /** The labels of PROXIES in force: while every one rests, no call is sent. */
  readonly labels: readonly string[];
  /** PROXY_RATE_LIMIT_KEYS: distinct keys limited through one proxy at once that rest it; 0: never. */
  readonly keys: number;
  /** A proxy began to rest (a log line and a metric). */
  onRest(rest: ProxyRest): void;
}

export interface RelayCall {
  /** Surface and operation, for the logs: `gemini generateContent`. */
  readonly route: string;
  /** The model the call spends quota on; null for calls that spend none (model list). */
  readonly model: string | null;
  readonly request: UpstreamRequest;
  /** Whether the answer is a stream whose first byte commits the request to its key. */
  readonly stream: boolean;
  readonly signal: Cancellation;
  /** Serve with this key only (the key that owns a file or cached content named by the request). */
  readonly pinKeyId?: string;
  /** The pool of keys to serve from: `vertex-express` under /vertex-express; `ai-studio` when absent. */
  readonly keyKind?: KeyKind;
  /** The client token's id, for the error log. */
  readonly clientId?: string;
  /** The request's number, tying its error-log rows to its request-log row. */
  readonly requestSeq?: number;
  /** Where each upstream call is recorded as it ends, for the request log. */
  readonly trace?: AttemptRecord[];
}

interface Attempts {
  readonly attempts: number;
}

export type RelayResult =
  | (Attempts & {
      readonly kind: 'complete';
      readonly status: number;
      readonly contentType: string;
      /**
       * Google's answer headers a client may need: `content-type` and the Files API's
       * `x-goog-upload-*`, and nothing else; scrubbed of the key.
       */
      readonly headers: UpstreamHeaders;
      readonly body: Buffer;
      readonly key: PoolKey;
    })
  | (Attempts & {
      readonly kind: 'stream';
      readonly status: number;
      readonly contentType: string;
      /** As for a complete answer: whitelisted, scrubbed of the key. */
      readonly headers: UpstreamHeaders;
      readonly first: Buffer;
      /** The rest of the upstream body; the consumer must pipe or cancel it. */
      readonly rest: UpstreamStream;
      readonly key: PoolKey;
      /** When the call that answered was made (the clock's ms): its end is timed by the consumer. */
      readonly calledAtMs: number;
    })
  | (Attempts & {
      readonly kind: 'failed';
      readonly status: number;
      /** Google's error body with secrets redacted, or the gateway's own in Google's shape. */
      readonly body: string;
      readonly error: GeminiErrorInfo;
      /** The outcome class that failed the request (describeOutcome, or the gateway's own). */
      readonly errorClass: string;
      readonly key?: PoolKey;
      /** Seconds a client should wait, when known. */
      readonly retryAfterSeconds?: number;
    })
  | (Attempts & { readonly kind: 'aborted' });

export type RelayFailure = Extract<RelayResult, { kind: 'failed' }>;

/** A refusal that becomes the key's only if another key then serves the same request. */
interface Suspect {
  readonly key: PoolKey;
  readonly outcome: Outcome;
  readonly error: Omit<KeyError, 'atMs'>;
}

type AttemptResult =
  | { readonly kind: 'final'; readonly result: RelayResult }
  | {
      readonly kind: 'retry';
      readonly failure: RelayFailure;
      readonly outcome: Outcome;
      readonly suspect?: Suspect;
    };

/** A withdrawn call teaches the pool nothing and costs the request a switch, like a rate-limited key. */
const withdrawn: Outcome = { kind: 'cool', reason: 'unknown', retry: true };

function withdrawnFailure(key: PoolKey, attempt: number): RelayFailure {
  const message = 'Every API key able to serve this model is resting.';
  const body = createGeminiErrorBody(429, message);
  return {
    kind: 'failed',
    status: 429,
    body: JSON.stringify(body),
    error: { message, rpcStatus: body.error.status, quotaIds: [] },
    errorClass: 'key-resting',
    key,
    attempts: attempt,
  };
}

/** The pool's scope for calls that spend no model quota. */
const allModels = '*';
/** Waits for a resting key one request may make (each until the earliest key is back). */
const maxWaits = 10;
/** Keys found refused or rate-limited that one request may step over before it gives up. */
const maxKeyFailures = 10;
/** How long a request waits for a key on trial to finish its one request before sharing it. */
const maxTrialWaitMs = 2_000;

/**
 * One request's life: pick a key, call Google, classify the answer, then answer the client or try
 * again on another key — only while nothing has reached the client, and never for the client's own
 * mistakes. Google's own trouble is retried after a short, growing pause and never counts against a key.
 */
export async function relayCall(context: RelayContext, call: RelayCall): Promise<RelayResult> {
  const scope = call.model ?? allModels;
  const tried = new Set<string>();
  const startedMs = context.clock.now();
  let last: Extract<AttemptResult, { kind: 'retry' }> | undefined;
  const suspects: Suspect[] = [];
  let troubleRetries = 0;
  let pauseDue = false;
  let keyFailures = 0;
  let waits = 0;
  let attempt = 0;
  // MAX_RETRIES bounds the attempts that end in Google's trouble; an attempt that finds a key
  // refused or rate-limited teaches the pool about that key, costs the request only a switch, and
  // has its own bound.
  while (attempt - keyFailures < context.maxAttempts && keyFailures <= maxKeyFailures) {
    if (call.signal.aborted) return { kind: 'aborted', attempts: attempt };
    // Pause before choosing the key: the pool's view of the keys may change during the pause.
    if (pauseDue) {
      pauseDue = false;
      troubleRetries += 1;
      const pauseMs = context.troubleBackoffMs * 2 ** (troubleRetries - 1) * (0.5 + context.random());
      if (!(await sleep(pauseMs, call.signal))) return { kind: 'aborted', attempts: attempt };
    }
    // Every proxy rests: a call now would meet the same limit of its address. The request waits as
    // for a resting key, or hears when the first proxy is back; no key is chosen, and none blamed.
    const proxiesBackAtMs = context.proxies?.rests.allRestingUntil(context.proxies.labels);
    if (proxiesBackAtMs !== undefined) {
      const waitMs = proxiesBackAtMs - context.clock.now();
      if (waitMs <= startedMs + context.maxWaitMs - context.clock.now() && waits < maxWaits) {
        waits += 1;
        if (!(await sleep(Math.max(waitMs, 1), call.signal))) return { kind: 'aborted', attempts: attempt };
        // The keys tried before were limited by the proxies' addresses, not by their quotas.
        tried.clear();
        continue;
      }
      return noKeyFailure(context, call, { reason: 'proxies-resting', retryAtMs: proxiesBackAtMs }, attempt);
    }
    const pin =
      call.pinKeyId === undefined
        ? { kind: call.keyKind ?? defaultKeyKind }
        : { kind: call.keyKind ?? defaultKeyKind, pinKeyId: call.pinKeyId };
    const allowBusy = context.clock.now() - startedMs >= maxTrialWaitMs;
    let selection = context.pool.select(scope, { exclude: tried, allowBusy, ...pin });
    if (selection.kind === 'none' && selection.reason === 'busy') {
      // Only keys on trial are left and each is answering another request: its answer settles
      // whether it can serve, so wait for that rather than pile on.
      await Promise.race([
        context.pool.whenSettled(),
        sleep(startedMs + maxTrialWaitMs - context.clock.now(), call.signal),
      ]);
      if (call.signal.aborted) return { kind: 'aborted', attempts: attempt };
      continue;
    }
    // Google's own trouble is rarely the key's: with no untried key left, a tried one may serve.
    if (selection.kind === 'none' && last?.outcome.kind === 'upstream-trouble' && tried.size > 0) {
      selection = context.pool.select(scope, { allowBusy: true, ...pin });
    }
    if (selection.kind === 'none') {
      const waitMs = (selection.retryAtMs ?? Number.POSITIVE_INFINITY) - context.clock.now();
      const budgetMs = startedMs + context.maxWaitMs - context.clock.now();
      if (selection.reason === 'resting' && waitMs <= budgetMs && waits < maxWaits) {
        waits += 1;
        if (!(await sleep(Math.max(waitMs, 1), call.signal))) return { kind: 'aborted', attempts: attempt };
        // The rest Google asked for is over: a key tried before may serve again.
        tried.clear();
        continue;
      }
      // A key refused or resting is the pool's business, not the client's: the client hears when a
      // key frees up for the model, in words its SDK acts on.
      const poolAnswers =
        (selection.reason === 'resting' || selection.reason === 'disabled') &&
        (last?.outcome.kind === 'cool' || last?.outcome.kind === 'key-dead') &&
        !last.suspect;
      if (last && !poolAnswers) return last.failure;
      const failure = noKeyFailure(context, call, selection, attempt);
      // The log names why no key was left: the refusal or rest this request itself ran into, and
      // the key it met there.
      if (!last) return failure;
      const { key } = last.failure;
      return { ...failure, errorClass: last.failure.errorClass, ...(key ? { key } : {}) };
    }
    attempt += 1;
    tried.add(selection.key.id);
    const result = await attemptOnce(context, call, selection.key, attempt);
    if (result.kind === 'final') {
      if (result.result.kind === 'complete' || result.result.kind === 'stream')
        confirmSuspects(context, scope, suspects);
      return result.result;
    }
    if (result.suspect) {
      // A second key failing the same precondition points at the request (or at every key alike),
      // so the walk stops there; a token quota may be any key's, and the walk goes on.
      const again =
        result.outcome.kind === 'cool' &&
        result.outcome.reason === 'precondition' &&
        suspects.some(
          (suspect) => suspect.outcome.kind === 'cool' && suspect.outcome.reason === 'precondition',
        );
      if (again) return result.failure;
      suspects.push(result.suspect);
    }
    if (result.outcome.kind === 'key-dead' || result.outcome.kind === 'cool') keyFailures += 1;
    if (result.outcome.kind === 'upstream-trouble') pauseDue = true;
    last = result;
  }
  return last ? last.failure : noKeyFailure(context, call, { reason: 'empty' }, attempt);
}

async function attemptOnce(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey,
  attempt: number,
): Promise<AttemptResult> {
  const scope = call.model ?? allModels;
  const began = context.clock.now();
  let answer: UpstreamAnswer;
  try {
    answer = await context.client.send(call.request, key, call.stream, call.signal, () => {
      const serving = context.pool.canServe(key.id, scope);
      context.debug?.({ keyId: key.id, model: scope, sent: serving }, 'upstream call');
      return serving;
    });
  } catch (error) {
    if (error instanceof KeyWithdrawnError) {
      // Not a failure of the key or of Google: the pool learned of the key's rest meanwhile.
      context.pool.release(key, scope);
      return { kind: 'retry', outcome: withdrawn, failure: withdrawnFailure(key, attempt) };
    }
    return networkFailure(context, call, key, attempt, error, began);
  }
  const status = answer.statusCode;
  const headers = answer.headers;
  const contentType = headers['content-type'] ?? 'application/json; charset=UTF-8';
  if (answer.kind === 'stream') {
    context.pool.report(key, scope, ok);
    trace(context, call, key, status, 'ok', began, true);
    return final({
      kind: 'stream',
      status,
      contentType,
      headers,
      first: answer.first,
      rest: answer.rest,
      key,
      attempts: attempt,
      calledAtMs: began,
    });
  }
  if (status < 400) {
    context.pool.report(key, scope, ok);
    trace(context, call, key, status, 'ok', began);
    // An answer may quote a key (a hostile or broken upstream): scrubbed here, once for every surface,
    // before anything reads it.
    const body = createSecretScrubber(key.secret).bytes(answer.body);
    return final({ kind: 'complete', status, contentType, headers, body, key, attempts: attempt });
  }

  const text = answer.body.toString('utf8');
  const secrets = [key.secret];
  const parsed = parseGeminiError(text);
  const error: GeminiErrorInfo = { ...parsed, message: redactSecrets(parsed.message, secrets) };
  const outcome = classifyOutcome({ kind: 'response', status, error }, context.clock.now());
  const keyError = { status, type: describeOutcome(outcome), message: error.message };
  const failure: RelayFailure = {
    kind: 'failed',
    status,
    body: text
      ? redactSecrets(text, secrets)
      : JSON.stringify(createGeminiErrorBody(status, 'Upstream error')),
    error,
    errorClass: keyError.type,
    key,
    attempts: attempt,
    ...(error.retryDelayMs === undefined ? {} : { retryAfterSeconds: Math.ceil(error.retryDelayMs / 1000) }),
  };
  switch (confirmationOf(outcome)) {
    case 'probe': {
      // The attempt stays open while the probe runs: a key on trial (never yet successful) then
      // takes no other request meanwhile, so a dead key costs one generation call, not one per
      // request that arrived during the probe.
      const verdict = await context.confirmRefusal(key);
      context.pool.release(key, scope);
      if (verdict === 'serves') {
        // Google takes the key alone: it refused this request, not the key. The client hears
        // Google's answer, and no other key is asked to refuse it too.
        recordFailure(context, call, key, status, 'client-error', error.message, began);
        return final({ ...failure, errorClass: 'client-error' });
      }
      const errorClass = verdict === 'refused' ? keyError.type : 'unconfirmed-refusal';
      recordFailure(context, call, key, status, errorClass, error.message, began);
      if (call.signal.aborted) return final({ kind: 'aborted', attempts: attempt });
      // Refused: the probe switched the key off. Unknown: Google failed the probe too, so the
      // request moves on as after Google's own trouble, and the key is judged another time.
      return verdict === 'refused'
        ? { kind: 'retry', failure, outcome }
        : {
            kind: 'retry',
            failure: { ...failure, errorClass },
            outcome: { kind: 'upstream-trouble', cause: 'server', retry: true },
          };
    }
    case 'sibling':
      context.pool.release(key, scope);
      recordFailure(context, call, key, status, keyError.type, error.message, began);
      return { kind: 'retry', failure, outcome, suspect: { key, outcome, error: keyError } };
    case undefined:
      context.pool.report(key, scope, outcome, keyError);
      if (answer.via !== undefined && context.proxies)
        weighProxyLimit(context, context.proxies, answer.via, key, scope, outcome);
      recordFailure(context, call, key, status, keyError.type, error.message, began);
      return outcome.retry ? { kind: 'retry', failure, outcome } : final(failure);
  }
}

/**
 * A rate limit met through an outbound proxy. When it shows the proxy's address limited (several
 * keys at once, ProxyRests), the proxy rests, and the rests its 429s gave keys are cleared through
 * the pool, which tells the other instances (rest-cleared). A daily quota is a project's by
 * Google's own account, and is never excused.
 */
function weighProxyLimit(
  context: RelayContext,
  proxies: ProxyRestPolicy,
  via: string,
  key: PoolKey,
  scope: string,
  outcome: Outcome,
): void {
  if (outcome.kind !== 'cool' || (outcome.reason !== 'minute' && outcome.reason !== 'unknown')) return;
  const retryAt =
    outcome.reason === 'minute' ? { retryAtMs: context.clock.now() + outcome.retryAfterMs } : {};
  const verdict = proxies.rests.rateLimited(
    { proxy: via, keyId: key.id, model: scope, ...retryAt },
    proxies.keys,
  );
  if (verdict.started) proxies.onRest(verdict.started);
  for (const { keyId, model } of verdict.excused) {
    // Only a rest a 429 gave: one the key earned otherwise meanwhile (a daily quota) stands.
    const reason = context.pool.stateOf(keyId)?.models[model]?.coolReason;
    if (reason === 'minute' || reason === 'unknown') context.pool.clearRest([keyId], model);
  }
}

/** Another key served the request: the refusals met on the way were their keys' own. */
function confirmSuspects(context: RelayContext, scope: string, suspects: readonly Suspect[]): void {
  for (const suspect of suspects) context.pool.learn(suspect.key, scope, suspect.outcome, suspect.error);
}

function networkFailure(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey,
  attempt: number,
  error: unknown,
  began: number,
): AttemptResult {
  const cause = describeNetworkError(error);
  if (cause === 'aborted' || call.signal.aborted) {
    context.pool.release(key, call.model ?? allModels);
    trace(context, call, key, null, 'client-closed', began);
    return final({ kind: 'aborted', attempts: attempt });
  }
  const outcome = classifyOutcome({ kind: 'network', cause }, context.clock.now());
  // A proxy's failure names the proxy (scheme://host:port, never its credentials) for the operator.
  const message =
    cause === 'timeout'
      ? describeTimeout(error)
      : cause === 'proxy'
        ? (error as Error).message
        : `The connection to Google failed (${(error as { code?: string }).code ?? 'network error'}).`;
  const errorType = describeOutcome(outcome);
  context.pool.report(key, call.model ?? allModels, outcome, { status: null, type: errorType, message });
  recordFailure(context, call, key, null, errorType, message, began);
  const status = cause === 'timeout' ? 504 : 502;
  const body = createGeminiErrorBody(status, message);
  return {
    kind: 'retry',
    outcome,
    failure: {
      kind: 'failed',
      status,
      body: JSON.stringify(body),
      error: { message, rpcStatus: body.error.status, quotaIds: [] },
      errorClass: errorType,
      key,
      attempts: attempt,
    },
  };
}

/**
 * A stream broke off after its first byte: the key's state learns of it; the request is over.
 * Returns the outcome class.
 */
export function recordInterruption(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey,
  cause: 'timeout' | 'connection',
  message: string,
): string {
  const outcome = classifyOutcome({ kind: 'interrupted', cause }, context.clock.now());
  const errorType = describeOutcome(outcome);
  context.pool.report(key, call.model ?? allModels, outcome, { status: null, type: errorType, message });
  recordFailure(context, call, key, null, errorType, message);
  return errorType;
}

function noKeyFailure(
  context: RelayContext,
  call: RelayCall,
  selection: { readonly reason: PoolFailure['reason']; readonly retryAtMs?: number },
  attempts: number,
): RelayFailure {
  const retryAfterMs =
    selection.retryAtMs === undefined ? undefined : Math.max(0, selection.retryAtMs - context.clock.now());
  const { status, body } = createPoolFailureBody({
    reason: selection.reason,
    model: call.model,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(call.pinKeyId === undefined ? {} : { pinKeyId: call.pinKeyId }),
    ...(call.keyKind === undefined ? {} : { keyKind: call.keyKind }),
  });
  const message = body.error.message;
  const errorClass = selection.reason === 'proxies-resting' ? proxiesResting : noUsableKey;
  context.metrics.poolExhausted(selection.reason);
  recordFailure(context, call, undefined, status, errorClass, message);
  const seconds = retryAfterMs === undefined ? undefined : retryAfterSecondsOf(retryAfterMs);
  return {
    kind: 'failed',
    status,
    body: JSON.stringify(body),
    error: {
      message,
      rpcStatus: body.error.status,
      quotaIds: [],
      ...(seconds === undefined ? {} : { retryDelayMs: seconds * 1000 }),
    },
    errorClass,
    attempts,
    ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
  };
}

const noUsableKey = 'no-usable-key';
const proxiesResting = 'proxies-resting';

/**
 * Records an upstream call's end in the request's trace and the metrics; `began` is when the call
 * was made. `firstByte`: a stream that answered, whose end comes later (run-generation's pump).
 */
function trace(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey,
  status: number | null,
  outcome: string,
  began: number,
  firstByte = false,
): void {
  const ms = context.clock.now() - began;
  call.trace?.push({ keyId: key.id, status, outcome, ms });
  context.metrics.attempted(call.model, call.stream, outcome, ms, firstByte);
}

/**
 * Adds a failed attempt (or a stream cut after its first byte) to the error log, and an attempt
 * made at `began` to the request's trace.
 */
function recordFailure(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey | undefined,
  status: number | null,
  errorType: string,
  message: string,
  began?: number,
): void {
  if (key && began !== undefined) trace(context, call, key, status, errorType, began);
  context.log.error({
    createdAt: context.clock.now(),
    route: call.route,
    model: call.model,
    keyId: key?.id ?? null,
    status,
    errorType,
    message,
    requestBody: context.logRequestBodies && call.request.body ? truncateForLog(call.request.body) : null,
    clientId: call.clientId,
    requestSeq: call.requestSeq,
  });
}

// Inline images and audio can make a request body tens of megabytes; the error log keeps enough
// to see what was asked.
const maxLoggedBodyBytes = 256 * 1024;

function truncateForLog(body: Buffer): string {
  if (body.length <= maxLoggedBodyBytes) return body.toString('utf8');
  return `${body.subarray(0, maxLoggedBodyBytes).toString('utf8')}… [truncated ${body.length - maxLoggedBodyBytes} bytes]`;
}

function final(result: RelayResult): AttemptResult {
  return { kind: 'final', result };
}
