import type { Cancellation } from '../core/cancellation.js';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import { redactSecrets } from '../core/redact-secrets.js';
import { classifyOutcome, describeOutcome, isRetryable, type Outcome } from '../keypool/classify-outcome.js';
import type { KeyPool, PoolKey } from '../keypool/key-pool.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import {
  describeNetworkError,
  type GeminiClient,
  type UpstreamAnswer,
  type UpstreamRequest,
  type UpstreamStream,
} from '../upstream/gemini-client.js';
import { type GeminiErrorInfo, parseGeminiError } from '../upstream/parse-gemini-error.js';

export interface RelayContext {
  readonly pool: KeyPool;
  readonly client: GeminiClient;
  /** Attempts one request may make, each on another key where one exists (MAX_RETRIES). */
  readonly maxAttempts: number;
  readonly log: LogSink;
  readonly clock: Clock;
  /** Whether failed attempts record the request body (ERROR_LOG_RECORD_REQUEST_BODY). */
  readonly logRequestBodies: boolean;
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
}

interface Attempts {
  readonly attempts: number;
}

export type RelayResult =
  | (Attempts & {
      readonly kind: 'complete';
      readonly status: number;
      readonly contentType: string;
      readonly body: Buffer;
      readonly key: PoolKey;
    })
  | (Attempts & {
      readonly kind: 'stream';
      readonly status: number;
      readonly contentType: string;
      readonly first: Buffer;
      /** The rest of the upstream body; the consumer must pipe or cancel it. */
      readonly rest: UpstreamStream;
      readonly key: PoolKey;
    })
  | (Attempts & {
      readonly kind: 'failed';
      readonly status: number;
      /** Google's error body with secrets redacted, or the gateway's own in Google's shape. */
      readonly body: string;
      readonly error: GeminiErrorInfo;
      readonly key?: PoolKey;
      /** Seconds a client should wait, when known. */
      readonly retryAfterSeconds?: number;
    })
  | (Attempts & { readonly kind: 'aborted' });

export type RelayFailure = Extract<RelayResult, { kind: 'failed' }>;

type AttemptResult =
  | { readonly kind: 'final'; readonly result: RelayResult }
  | { readonly kind: 'retry'; readonly failure: RelayFailure; readonly outcome: Outcome };

const allModels = '*';

/** One request's life: pick a key, call Google, classify the answer, retry on another key or answer. */
export async function relayCall(context: RelayContext, call: RelayCall): Promise<RelayResult> {
  const { pool } = context;
  const scope = call.model ?? allModels;
  if (pool.size === 0) {
    return gatewayFailure(context, call, 503, 'gemgate has no Gemini API keys configured: set API_KEYS.', 0);
  }
  const tried = new Set<string>();
  let last: AttemptResult | undefined;
  for (let attempt = 1; attempt <= context.maxAttempts; attempt++) {
    if (call.signal.aborted) return { kind: 'aborted', attempts: attempt - 1 };
    // Another key where one exists; after Google's own trouble, the same key may be tried again.
    const key =
      pool.select(scope, tried) ??
      (last?.kind === 'retry' && last.outcome.kind === 'upstream-trouble' ? pool.select(scope) : undefined);
    if (!key) break;
    tried.add(key.id);
    last = await attemptOnce(context, call, key, attempt);
    if (last.kind === 'final') return last.result;
  }
  if (last?.kind === 'retry') return last.failure;
  const modelText = call.model ? ` for model ${call.model}` : '';
  return gatewayFailure(
    context,
    call,
    503,
    `No API key is usable${modelText}: all ${pool.size} keys failed recently. Try again later.`,
    tried.size,
  );
}

async function attemptOnce(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey,
  attempt: number,
): Promise<AttemptResult> {
  const scope = call.model ?? allModels;
  let answer: UpstreamAnswer;
  try {
    answer = await context.client.send(call.request, key.secret, call.stream, call.signal);
  } catch (error) {
    return networkFailure(context, call, key, attempt, error);
  }
  const status = answer.statusCode;
  const contentType = String(answer.headers['content-type'] ?? 'application/json; charset=UTF-8');
  if (answer.kind === 'stream') {
    context.pool.report(key, scope, { kind: 'ok' });
    return final({
      kind: 'stream',
      status,
      contentType,
      first: answer.first,
      rest: answer.rest,
      key,
      attempts: attempt,
    });
  }
  if (status < 400) {
    context.pool.report(key, scope, { kind: 'ok' });
    return final({ kind: 'complete', status, contentType, body: answer.body, key, attempts: attempt });
  }

  const text = answer.body.toString('utf8');
  const secrets = [key.secret];
  const parsed = parseGeminiError(text);
  const error: GeminiErrorInfo = { ...parsed, message: redactSecrets(parsed.message, secrets) };
  const outcome = classifyOutcome({ kind: 'response', status, error }, context.clock.now());
  context.pool.report(key, scope, outcome);
  recordFailure(context, call, key, status, describeOutcome(outcome), error.message);
  const failure: RelayFailure = {
    kind: 'failed',
    status,
    body: text
      ? redactSecrets(text, secrets)
      : JSON.stringify(createGeminiErrorBody(status, 'Upstream error')),
    error,
    key,
    attempts: attempt,
    ...(error.retryDelayMs === undefined ? {} : { retryAfterSeconds: Math.ceil(error.retryDelayMs / 1000) }),
  };
  return isRetryable(outcome) ? { kind: 'retry', failure, outcome } : final(failure);
}

function networkFailure(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey,
  attempt: number,
  error: unknown,
): AttemptResult {
  const cause = describeNetworkError(error);
  if (cause === 'aborted' || call.signal.aborted) return final({ kind: 'aborted', attempts: attempt });
  const outcome = classifyOutcome({ kind: 'network', cause }, context.clock.now());
  context.pool.report(key, call.model ?? allModels, outcome);
  const message =
    cause === 'timeout'
      ? 'Google did not answer within TIME_OUT.'
      : `The connection to Google failed (${(error as { code?: string }).code ?? 'network error'}).`;
  recordFailure(context, call, key, null, describeOutcome(outcome), message);
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
      key,
      attempts: attempt,
    },
  };
}

function gatewayFailure(
  context: RelayContext,
  call: RelayCall,
  status: number,
  message: string,
  attempts: number,
): RelayFailure {
  const body = createGeminiErrorBody(status, message);
  recordFailure(context, call, undefined, status, 'no-usable-key', message);
  return {
    kind: 'failed',
    status,
    body: JSON.stringify(body),
    error: { message, rpcStatus: body.error.status, quotaIds: [] },
    attempts,
  };
}

/** Adds a failed attempt (or a stream cut after its first byte) to the error log. */
export function recordFailure(
  context: RelayContext,
  call: RelayCall,
  key: PoolKey | undefined,
  status: number | null,
  errorType: string,
  message: string,
): void {
  context.log.error({
    createdAt: context.clock.now(),
    route: call.route,
    model: call.model,
    keyId: key?.id ?? null,
    status,
    errorType,
    message,
    requestBody: context.logRequestBodies && call.request.body ? truncateForLog(call.request.body) : null,
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
