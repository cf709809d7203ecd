import { createSseDecoder } from '../../streaming/create-sse-decoder.js';
import type { GeminiResponse } from '../gemini/gemini-types.js';
import { type ChatStreamContext, createChatStreamTranslator } from './create-chat-stream-translator.js';
import type { OpenAIChatChunk } from './openai-types.js';

/** An error Google sent inside a stream that had already begun. */
export class GeminiStreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
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
 * them. Throws GeminiStreamError for an error event inside the stream.
 */
export function createOpenAISseTransformer(context: ChatStreamContext): OpenAISseTransformer {
  const decoder = createSseDecoder();
  const translator = createChatStreamTranslator(context);
  const translate = (events: string[]) => {
    const chunks: OpenAIChatChunk[] = [];
    for (const data of events) {
      const event = JSON.parse(data) as GeminiResponse & { error?: { code?: number; message?: string } };
      if (event.error)
        throw new GeminiStreamError(event.error.code ?? 500, event.error.message ?? 'Upstream error');
      chunks.push(...translator.push(event));
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
