import { createSseDecoder } from '../../streaming/create-sse-decoder.js';
import { parseGeminiStreamEvent } from '../gemini/parse-gemini-stream-event.js';
import { type ChatStreamContext, createChatStreamTranslator } from './create-chat-stream-translator.js';
import type { OpenAIChatChunk } from './openai-types.js';

/** An error inside a stream that had already begun: Google's own, or an event nobody can read. */
export class GeminiStreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The event could not be read at all: not Google's answer nor its error, and no key's fault. */
    readonly malformed = false,
  ) {
    super(message);
    this.name = 'GeminiStreamError';
  }
}

export interface OpenAISseTransformer {
  /** Gemini SSE bytes in (any split), OpenAI chunks out. */
  push(bytes: Buffer): OpenAIChatChunk[];
  /** The chunks that close the stream once Gemini's has ended. */
  end(): OpenAIChatChunk[];
}

/**
 * Gemini's `streamGenerateContent?alt=sse` bytes → OpenAI chat.completion.chunk objects: the SSE
 * decoder and the chunk translator together, as the gateway runs them and the golden tests feed
 * them. Throws GeminiStreamError for an error event inside the stream, or one it cannot read.
 */
export function createOpenAISseTransformer(context: ChatStreamContext): OpenAISseTransformer {
  const decoder = createSseDecoder();
  const translator = createChatStreamTranslator(context);
  const translate = (events: string[]) => {
    const chunks: OpenAIChatChunk[] = [];
    for (const data of events) {
      const event = parseGeminiStreamEvent(data);
      if (event.kind === 'error') throw new GeminiStreamError(event.status, event.message, event.malformed);
      chunks.push(...translator.push(event.response));
    }
    return chunks;
  };
  return {
    push: (bytes) => translate(decoder.push(bytes)),
    end: () => [...translate(decoder.end()), ...translator.finish()],
  };
}

/** OpenAI's SSE framing of one chunk. */
export function encodeOpenAIChunk(chunk: OpenAIChatChunk | object): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export const openAIStreamEnd = 'data: [DONE]\n\n';
