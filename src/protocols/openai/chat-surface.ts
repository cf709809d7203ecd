import { createGeminiEventSurface } from '../gemini/create-gemini-event-surface.js';
import type { GenerationSurface, StreamError } from '../generation-surface.js';
import { type ChatStreamContext, createChatChunkEncoder } from './encode-chat-chunks.js';
import { encodeOpenAIChunk, openAIStreamEnd } from './encode-openai-sse.js';
import { foldChatCompletion } from './fold-chat-completion.js';
import { convertGeminiErrorToOpenAI, createOpenAIErrorBody } from './openai-error.js';
import { openAIFailure } from './whole-surface.js';

/** OpenAI's error chunk for a stream that ends early. */
export function openAIStreamError(error: StreamError): string {
  return encodeOpenAIChunk(
    error.info
      ? convertGeminiErrorToOpenAI(error.status, error.info)
      : createOpenAIErrorBody(error.status, error.message),
  );
}

/**
 * OpenAI's chat completions over Gemini: the same events encoded as chat.completion.chunk objects
 * for a stream, or folded into one chat.completion (PROTOCOLS.md §3, §4).
 */
export function createChatSurface(context: ChatStreamContext): GenerationSurface {
  return createGeminiEventSurface({
    failure: openAIFailure,
    fold: (events) => foldChatCompletion(events, context),
    encoder() {
      const encoder = createChatChunkEncoder(context);
      const say = (chunks: readonly object[]) => chunks.map(encodeOpenAIChunk).join('');
      return {
        chunk: (events) => say(encoder.encode(events)),
        end: () => say(encoder.finish()) + openAIStreamEnd,
        error: openAIStreamError,
      };
    },
    streamContentType: 'text/event-stream; charset=utf-8',
  });
}
