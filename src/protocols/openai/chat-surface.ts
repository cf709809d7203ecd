import { createGeminiEventSurface } from '../gemini/create-gemini-event-surface.js';
import type { DecodedAnswer } from '../gemini/decode-gemini-chunk.js';
import type { GeminiInlineData } from '../gemini/gemini-types.js';
import type { DecodedChunk, GenerationEvent } from '../generation-event.js';
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

/** Publishes a generated image, returning the URL the answer links to. */
export type PublishImage = (image: GeminiInlineData) => Promise<string>;

type FileEvent = Extract<GenerationEvent, { type: 'file' }>;
const isImage = (event: GenerationEvent): event is FileEvent =>
  event.type === 'file' && event.mimeType.startsWith('image/');

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
  /** The chunk with its images published, or undefined when it has none to publish. */
  const published = (chunk: DecodedChunk): Promise<DecodedChunk> | undefined => {
    if (!publishImage || !chunk.events.some(isImage)) return undefined;
    return Promise.all(
      chunk.events.map(async (event) =>
        isImage(event) ? { ...event, url: await publishImage(event) } : event,
      ),
    ).then((events) => ({ ...chunk, events }));
  };
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
    prepare: published,
  });
}
