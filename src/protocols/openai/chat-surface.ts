import { createGeminiEventSurface } from '../gemini/create-gemini-event-surface.js';
import type { DecodedAnswer } from '../gemini/decode-gemini-chunk.js';
import { type PublishImage, publishChunkImages } from '../gemini/publish-chunk-images.js';
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

export interface ChatSurfaceOptions {
  /** Publishes the images an answer carries, which it then links to; without, they are inlined as data URLs. */
  readonly publishImage?: PublishImage;
  /** Reads a whole answer: a generateContent body's, unless the answer is another method's (Imagen's :predict). */
  readonly decode?: (body: Buffer) => DecodedAnswer;
}

/**
 * OpenAI's chat completions over Gemini: the same events encoded as chat.completion.chunk objects
 * for a stream, or folded into one chat.completion (PROTOCOLS.md §3, §4).
 */
export function createChatSurface(
  context: ChatStreamContext,
  { publishImage, decode }: ChatSurfaceOptions = {},
): GenerationSurface {
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
    ...(decode ? { decode } : {}),
    prepare: publishChunkImages(publishImage),
  });
}
