import type { OpenAIChatChunk } from './openai-types.js';

// OpenAI's SSE framing (PROTOCOLS.md §3): `data: <json>` and a blank line per chunk, then
// `data: [DONE]`.

/** OpenAI's SSE framing of one chunk (or of an error body, which ends a stream in-band). */
export function encodeOpenAIChunk(chunk: OpenAIChatChunk | object): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** What ends a complete OpenAI stream. */
export const openAIStreamEnd = 'data: [DONE]\n\n';
