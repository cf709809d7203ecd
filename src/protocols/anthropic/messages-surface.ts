import { createGeminiEventSurface } from '../gemini/create-gemini-event-surface.js';
import { type PublishImage, publishChunkImages } from '../gemini/publish-chunk-images.js';
import type { GenerationSurface, StreamError, SurfaceFailure, WholeAnswer } from '../generation-surface.js';
import {
  anthropicStatusOf,
  convertGeminiErrorToAnthropic,
  createAnthropicErrorBody,
} from './anthropic-error.js';
import { createMessageEncoder, encodeAnthropicEvent, type MessageContext } from './encode-message-events.js';
import { foldMessage } from './fold-message.js';

const jsonType = 'application/json; charset=utf-8';

/** Google's failure (or the gateway's, in Google's shape) as an Anthropic client reads it. */
export function anthropicFailure(failure: SurfaceFailure): WholeAnswer {
  return {
    status: anthropicStatusOf(failure.status),
    contentType: jsonType,
    body: JSON.stringify(convertGeminiErrorToAnthropic(failure.status, failure.error)),
  };
}

/** Anthropic's in-band `event: error` for a stream that ends early. */
export function anthropicStreamError(error: StreamError): string {
  const status = anthropicStatusOf(error.status);
  return encodeAnthropicEvent(createAnthropicErrorBody(status, error.info?.message || error.message));
}

/**
 * Anthropic's Messages API over Gemini: the same events encoded as Anthropic's stream events, or
 * folded into one message (PROTOCOLS.md §5). An image the model made is published first (the
 * bucket of UPLOAD_PROVIDER, or the gateway's own URL), as OpenAI chat's are, and linked from the
 * text; without `publishImage` it is inlined as a data URL.
 */
export function createMessagesSurface(
  context: MessageContext,
  publishImage?: PublishImage,
): GenerationSurface {
  return createGeminiEventSurface({
    failure: anthropicFailure,
    fold: (events) => foldMessage(events, context),
    encoder() {
      const encoder = createMessageEncoder(context);
      const say = (events: readonly Parameters<typeof encodeAnthropicEvent>[0][]) =>
        events.map(encodeAnthropicEvent).join('');
      return {
        chunk: (events) => say(encoder.encode(events)),
        end: () => say(encoder.finish()),
        error: anthropicStreamError,
      };
    },
    streamContentType: 'text/event-stream; charset=utf-8',
    prepare: publishChunkImages(publishImage),
  });
}
