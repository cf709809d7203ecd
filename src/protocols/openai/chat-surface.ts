import { createGeminiSseReader } from '../gemini/create-gemini-sse-reader.js';
import { type DecodedAnswer, decodeGeminiAnswer } from '../gemini/decode-gemini-chunk.js';
import type { GeminiInlineData } from '../gemini/gemini-types.js';
import type { DecodedChunk, GenerationEvent } from '../generation-event.js';
import { type GenerationSurface, type StreamError, usageIn } from '../generation-surface.js';
import { type ChatStreamContext, createChatChunkEncoder } from './encode-chat-chunks.js';
import { encodeOpenAIChunk, openAIStreamEnd } from './encode-openai-sse.js';
import { foldChatCompletion } from './fold-chat-completion.js';
import { convertGeminiErrorToOpenAI, createOpenAIErrorBody } from './openai-error.js';

const jsonType = 'application/json; charset=utf-8';

/** OpenAI's error chunk for a stream that ends early. */
export function openAIStreamError(error: StreamError): string {
  return encodeOpenAIChunk(
    error.info
      ? convertGeminiErrorToOpenAI(error.status, error.info)
      : createOpenAIErrorBody(error.status, error.message),
  );
}

/** A chunk's events with its one (non-empty) text replaced by a paced piece. */
const withText = (events: readonly GenerationEvent[], piece: string) =>
  events.map((event) => (event.type === 'text' && event.text !== '' ? { ...event, text: piece } : event));

/** Publishes a generated image, returning the URL the answer links to. */
export type PublishImage = (image: GeminiInlineData) => Promise<string>;

type FileEvent = Extract<GenerationEvent, { type: 'file' }>;
const isImage = (event: GenerationEvent): event is FileEvent =>
  event.type === 'file' && event.mimeType.startsWith('image/');

const decodeGeminiBody = (body: Buffer) => decodeGeminiAnswer(body.toString('utf8'));

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
  { publishImage, decode = decodeGeminiBody }: ChatSurfaceOptions = {},
): GenerationSurface {
  const answerOf = (body: Buffer): DecodedChunk | { problem: string } => {
    const decoded = decode(body);
    return decoded.ok ? decoded.chunk : { problem: decoded.problem };
  };
  /** The chunk with its images published, or undefined when it has none to publish. */
  const published = (chunk: DecodedChunk): Promise<DecodedChunk> | undefined => {
    if (!publishImage || !chunk.events.some(isImage)) return undefined;
    return Promise.all(
      chunk.events.map(async (event) =>
        isImage(event) ? { ...event, url: await publishImage(event) } : event,
      ),
    ).then((events) => ({ ...chunk, events }));
  };
  const folded = (status: number, chunk: DecodedChunk) => {
    const usage = usageIn(chunk.events);
    return {
      status,
      contentType: jsonType,
      body: JSON.stringify(foldChatCompletion(chunk.events, context)),
      ...(usage ? { usage } : {}),
    };
  };
  return {
    failure: (failure) => ({
      status: failure.status,
      contentType: jsonType,
      body: JSON.stringify(convertGeminiErrorToOpenAI(failure.status, failure.error)),
    }),
    answer(status, _contentType, body) {
      const chunk = answerOf(body);
      if ('problem' in chunk) return chunk;
      const [first] = chunk.events;
      if (first?.type === 'error') return { problem: `an error (${first.message})` };
      return published(chunk)?.then((ready) => folded(status, ready)) ?? folded(status, chunk);
    },
    reader: createGeminiSseReader,
    upstreamStreamType: 'text/event-stream',
    wholeChunk: answerOf,
    prepare: published,
    encoder() {
      const encoder = createChatChunkEncoder(context);
      const say = (chunks: readonly object[]) => chunks.map(encodeOpenAIChunk).join('');
      return {
        chunk: (chunk, piece) =>
          say(encoder.encode(piece === undefined ? chunk.events : withText(chunk.events, piece))),
        end: () => say(encoder.finish()) + openAIStreamEnd,
        error: openAIStreamError,
      };
    },
    streamContentType: 'text/event-stream; charset=utf-8',
    keepAlive: ': keep-alive\n\n',
  };
}
