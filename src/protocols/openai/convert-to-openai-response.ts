import type { GeminiResponse } from '../gemini/gemini-types.js';
import {
  type CandidateContext,
  convertParts,
  convertUsage,
  mapFinishReason,
  searchLinks,
} from './convert-candidate.js';
import type { OpenAIChatCompletion } from './openai-types.js';

export interface CompletionContext extends CandidateContext {
  readonly id: string;
  /** Seconds since the epoch. */
  readonly created: number;
  /** The model name the client asked for (with its suffix). */
  readonly model: string;
}

/** A Gemini generateContent answer as an OpenAI chat.completion (PROTOCOLS.md §4). Pure. */
export function convertToOpenAIResponse(
  response: GeminiResponse,
  context: CompletionContext,
): OpenAIChatCompletion {
  const candidates = response.candidates ?? [];
  const choices = candidates.map((candidate, position) => {
    const pieces = convertParts(candidate.content?.parts ?? [], context);
    const content = pieces.content + searchLinks(candidate, context);
    return {
      index: candidate.index ?? position,
      message: {
        role: 'assistant' as const,
        // A tool-calling answer without text has content null, as OpenAI sends it.
        content: content || (pieces.toolCalls.length > 0 ? null : ''),
        ...(pieces.reasoning ? { reasoning_content: pieces.reasoning } : {}),
        ...(pieces.toolCalls.length > 0 ? { tool_calls: pieces.toolCalls } : {}),
      },
      finish_reason: mapFinishReason(candidate.finishReason, pieces.toolCalls.length > 0),
      logprobs: null,
    };
  });
  if (choices.length === 0) {
    // A blocked prompt has no candidates, only promptFeedback.blockReason.
    choices.push({
      index: 0,
      message: { role: 'assistant', content: null },
      finish_reason: response.promptFeedback?.blockReason ? 'content_filter' : 'stop',
      logprobs: null,
    });
  }
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices,
    usage: convertUsage(response.usageMetadata),
  };
}
