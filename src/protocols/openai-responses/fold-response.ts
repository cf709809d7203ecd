import type { GenerationEvent } from '../generation-event.js';
import { createResponsesEncoder } from './encode-responses-events.js';
import type { ResponseContext } from './response-context.js';
import type { ResponsesResponse } from './responses-types.js';

/**
 * An answer's events (a whole generateContent body's) as one Response: the response the stream of
 * the same events ends with, so a non-stream answer is by construction the fold of the stream.
 */
export function foldResponse(
  events: readonly GenerationEvent[],
  context: ResponseContext,
): ResponsesResponse {
  const encoder = createResponsesEncoder(context);
  encoder.encode(events);
  encoder.finish();
  return encoder.response;
}
