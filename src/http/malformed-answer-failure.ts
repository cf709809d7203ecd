import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import type { RelayCall, RelayContext, RelayFailure, RelayResult } from '../relay/relay-call.js';

/** The error log's type for a 200 whose body is not what the method returns. */
export const malformedAnswerType = 'malformed-answer';

/**
 * A 200 from Google whose body cannot be what was asked for (empty, not JSON, `candidates: null`)
 * becomes a 502 failure in Google's shape, and a row in the error log naming the key that served it.
 */
export function malformedAnswerFailure(
  relay: Pick<RelayContext, 'log' | 'clock'>,
  call: Pick<RelayCall, 'route' | 'model'>,
  result: Extract<RelayResult, { kind: 'complete' }>,
  problem: string,
): RelayFailure {
  const message = `Google answered ${result.status} with ${problem}.`;
  relay.log.error({
    createdAt: relay.clock.now(),
    route: call.route,
    model: call.model,
    keyId: result.key.id,
    status: result.status,
    errorType: malformedAnswerType,
    message,
    requestBody: null,
  });
  const body = createGeminiErrorBody(502, message);
  return {
    kind: 'failed',
    status: 502,
    body: JSON.stringify(body),
    error: { message, rpcStatus: body.error.status, quotaIds: [] },
    key: result.key,
    attempts: result.attempts,
  };
}
