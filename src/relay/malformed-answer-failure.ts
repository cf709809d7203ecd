import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import type { RelayCall, RelayContext, RelayFailure, RelayResult } from './relay-call.js';

/** The error log's type for a 200 whose body is not what the method returns. */
export const malformedAnswerType = 'malformed-answer';

/**
 * A 200 from Google whose body cannot be what was asked for (empty, not JSON, `candidates: null`)
 * becomes a 502 failure in Google's shape, and a row in the error log naming the key that served it.
 */
export function malformedAnswerFailure(
  relay: Pick<RelayContext, 'log' | 'clock'>,
  call: Pick<RelayCall, 'route' | 'model' | 'clientId' | 'requestSeq'>,
  result: Extract<RelayResult, { kind: 'complete' | 'stream' }>,
  problem: string,
): RelayFailure {
  const message = `Google answered ${result.status} with ${problem}.`;
  recordMalformedAnswer(relay, call, result, message);
  const body = createGeminiErrorBody(502, message);
  return {
    kind: 'failed',
    status: 502,
    body: JSON.stringify(body),
    error: { message, rpcStatus: body.error.status, quotaIds: [] },
    errorClass: malformedAnswerType,
    key: result.key,
    attempts: result.attempts,
  };
}

/**
 * The error-log row for an answer nobody can read, naming the key that served it. The pool is not
 * told: a malformed answer says nothing about the key (it is most often a relay or proxy at
 * BASE_URL), and blaming keys for it would rest healthy ones.
 */
export function recordMalformedAnswer(
  relay: Pick<RelayContext, 'log' | 'clock'>,
  call: Pick<RelayCall, 'route' | 'model' | 'clientId' | 'requestSeq'>,
  result: Pick<Extract<RelayResult, { kind: 'complete' | 'stream' }>, 'key' | 'status'>,
  message: string,
): void {
  relay.log.error({
    createdAt: relay.clock.now(),
    route: call.route,
    model: call.model,
    keyId: result.key.id,
    status: result.status,
    errorType: malformedAnswerType,
    message,
    requestBody: null,
    clientId: call.clientId,
    requestSeq: call.requestSeq,
  });
}
