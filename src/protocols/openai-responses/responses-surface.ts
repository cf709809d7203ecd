import { createGeminiEventSurface } from '../gemini/create-gemini-event-surface.js';
import type { GenerationSurface } from '../generation-surface.js';
import { openAIFailure } from '../openai/whole-surface.js';
import { createResponsesEncoder } from './encode-responses-events.js';
import { foldResponse } from './fold-response.js';
import type { ResponseContext } from './response-context.js';
import type { ResponsesStreamEvent } from './responses-types.js';

/** The Responses API's SSE framing: each event named by its type, and no `[DONE]` at the end. */
export function encodeResponsesEvent(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const say = (events: readonly ResponsesStreamEvent[]) => events.map(encodeResponsesEvent).join('');

/**
 * OpenAI's Responses API over Gemini (PROTOCOLS.md §6): the events encoded as the API's stream, or
 * folded into the Response that stream ends with. Errors before the stream are OpenAI's error objects.
 */
export function createResponsesSurface(context: ResponseContext): GenerationSurface {
  return createGeminiEventSurface({
    failure: openAIFailure,
    fold: (events) => foldResponse(events, context),
    encoder() {
      const encoder = createResponsesEncoder(context);
      return {
        chunk: (events) => say(encoder.encode(events)),
        end: () => say(encoder.finish()),
        error: (error) => say(encoder.fail(error)),
      };
    },
    streamContentType: 'text/event-stream; charset=utf-8',
  });
}
