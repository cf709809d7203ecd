import type { GeminiRequest } from '../gemini/gemini-types.js';
import type { WholeSurface } from '../generation-surface.js';
import { anthropicFailure } from './messages-surface.js';

/**
 * Gemini's countTokens request for a translated messages request: the whole generateContent
 * request, so the system prompt and the tools count as Anthropic counts them (with `contents`
 * alone Google counts only those). Generation settings count nothing and are left out.
 */
export function countTokensRequestOf(gemini: GeminiRequest, model: string) {
  const { contents, systemInstruction, tools, toolConfig } = gemini;
  return {
    generateContentRequest: {
      model: `models/${model}`,
      contents,
      ...(systemInstruction ? { systemInstruction } : {}),
      ...(tools ? { tools } : {}),
      ...(toolConfig ? { toolConfig } : {}),
    },
  };
}

/** `POST /v1/messages/count_tokens`: Google's `{totalTokens}` as `{input_tokens}`. */
export const countTokensSurface: WholeSurface = {
  failure: anthropicFailure,
  answer(status, _contentType, body) {
    let totalTokens: unknown;
    try {
      totalTokens = (JSON.parse(body.toString('utf8')) as { totalTokens?: unknown } | null)?.totalTokens;
    } catch {
      return { problem: 'a body that is not JSON' };
    }
    if (!Number.isSafeInteger(totalTokens)) return { problem: 'no totalTokens' };
    return {
      status,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ input_tokens: totalTokens }),
    };
  },
};
