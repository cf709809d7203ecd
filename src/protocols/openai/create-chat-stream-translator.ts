import type { GeminiCandidate, GeminiResponse, GeminiUsageMetadata } from '../gemini/gemini-types.js';
import { convertParts, convertUsage, mapFinishReason, searchLinks } from './convert-candidate.js';
import type { CompletionContext } from './convert-to-openai-response.js';
import type { OpenAIChatChunk, OpenAIChunkDelta } from './openai-types.js';

export interface ChatStreamContext extends CompletionContext {
  /** stream_options.include_usage: one more chunk with the usage before [DONE]. */
  readonly includeUsage: boolean;
}

export interface ChatStreamTranslator {
  /** The OpenAI chunks for one Gemini stream chunk. */
  push(response: GeminiResponse): OpenAIChatChunk[];
  /** The closing chunks once Gemini's stream has ended: finish reasons, then usage. */
  finish(): OpenAIChatChunk[];
}

interface ChoiceState {
  toolCalls: number;
  finishReason?: string;
  lastCandidate?: GeminiCandidate;
}

/**
 * Gemini stream chunks → OpenAI chat.completion.chunk objects (PROTOCOLS.md §3): the role first,
 * then text, reasoning and whole tool calls (index, id, type, name, arguments on the first and only
 * fragment, as the `openai` stream helper requires), a finish chunk per choice, and the usage.
 * Stateful but pure: no I/O, ids and image URLs come from the context.
 */
export function createChatStreamTranslator(context: ChatStreamContext): ChatStreamTranslator {
  const choices = new Map<number, ChoiceState>();
  let usage: GeminiUsageMetadata | undefined;
  let blocked = false;

  const chunk = (
    index: number,
    delta: OpenAIChunkDelta,
    finish: OpenAIChatChunk['choices'][number]['finish_reason'] = null,
  ): OpenAIChatChunk => ({
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    choices: [{ index, delta, finish_reason: finish, logprobs: null }],
  });

  function choice(index: number, out: OpenAIChatChunk[]): ChoiceState {
    let state = choices.get(index);
    if (!state) {
      state = { toolCalls: 0 };
      choices.set(index, state);
      out.push(chunk(index, { role: 'assistant', content: '' }));
    }
    return state;
  }

  return {
    push(response) {
      const out: OpenAIChatChunk[] = [];
      if (response.usageMetadata) usage = response.usageMetadata;
      if (response.promptFeedback?.blockReason && !response.candidates?.length) blocked = true;
      (response.candidates ?? []).forEach((candidate, position) => {
        const index = candidate.index ?? position;
        const state = choice(index, out);
        state.lastCandidate = candidate;
        if (candidate.finishReason) state.finishReason = candidate.finishReason;
        const pieces = convertParts(candidate.content?.parts ?? [], context);
        if (pieces.reasoning) out.push(chunk(index, { reasoning_content: pieces.reasoning }));
        if (pieces.content) out.push(chunk(index, { content: pieces.content }));
        if (pieces.toolCalls.length > 0) {
          out.push(
            chunk(index, {
              tool_calls: pieces.toolCalls.map((call) => ({ index: state.toolCalls++, ...call })),
            }),
          );
        }
      });
      return out;
    },
    finish() {
      const out: OpenAIChatChunk[] = [];
      if (choices.size === 0) choice(0, out);
      for (const [index, state] of choices) {
        const links = searchLinks(state.lastCandidate, context);
        if (links) out.push(chunk(index, { content: links }));
        const reason = blocked ? 'content_filter' : mapFinishReason(state.finishReason, state.toolCalls > 0);
        out.push(chunk(index, {}, reason));
      }
      if (context.includeUsage) out.push({ ...chunk(0, {}), choices: [], usage: convertUsage(usage) });
      return out;
    },
  };
}
