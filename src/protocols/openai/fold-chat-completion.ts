import type {
  FinishReason,
  GenerationEvent,
  GenerationSource,
  GenerationUsage,
} from '../generation-event.js';
import {
  addPiece,
  type CandidateContext,
  type CandidatePieces,
  emptyPieces,
  openAIFinishReason,
  openAIUsage,
  sourceLinks,
} from './convert-candidate.js';
import type { OpenAIChatCompletion } from './openai-types.js';

export interface CompletionContext extends CandidateContext {
  readonly id: string;
  /** Seconds since the epoch. */
  readonly created: number;
  /** The model name the client asked for (with its suffix). */
  readonly model: string;
}

interface ChoiceState {
  readonly pieces: CandidatePieces;
  finish?: FinishReason;
  sources?: readonly GenerationSource[];
}

type Choice = OpenAIChatCompletion['choices'][number];

/**
 * An answer's events (a whole generateContent body's, or all of a stream's) as an OpenAI
 * chat.completion (PROTOCOLS.md §4): one choice per candidate in the order first seen, its text,
 * images and code joined in order with the sources after them, its reasoning, its tool calls; the
 * latest finish reason, sources and usage win. `error` events are the caller's: they are ignored
 * here. Pure (ids and image URLs come from the context).
 */
export function foldChatCompletion(
  events: readonly GenerationEvent[],
  context: CompletionContext,
): OpenAIChatCompletion {
  const states = new Map<number, ChoiceState>();
  let usage: GenerationUsage | undefined;
  let blocked = false;
  for (const event of events) {
    switch (event.type) {
      case 'usage':
        usage = event.usage;
        break;
      case 'blocked':
        blocked = true;
        break;
      case 'error':
        break;
      default: {
        let state = states.get(event.candidate);
        if (!state) {
          state = { pieces: emptyPieces() };
          states.set(event.candidate, state);
        }
        if (event.type === 'finish') state.finish = event.reason;
        else if (event.type === 'sources') state.sources = event.sources;
        else addPiece(state.pieces, event, context);
      }
    }
  }
  const choices: Choice[] = [];
  for (const [index, { pieces, finish, sources }] of states) {
    const content = pieces.content + sourceLinks(sources, context);
    const calledTools = pieces.toolCalls.length > 0;
    choices.push({
      index,
      message: {
        role: 'assistant',
        // A tool-calling answer without text has content null, as OpenAI sends it.
        content: content || (calledTools ? null : ''),
        ...(pieces.reasoning ? { reasoning_content: pieces.reasoning } : {}),
        ...(calledTools ? { tool_calls: pieces.toolCalls } : {}),
      },
      finish_reason: openAIFinishReason(finish, calledTools),
      logprobs: null,
    });
  }
  if (choices.length === 0) {
    // A blocked prompt has no candidates, only promptFeedback.blockReason.
    choices.push({
      index: 0,
      message: { role: 'assistant', content: null },
      finish_reason: blocked ? 'content_filter' : 'stop',
      logprobs: null,
    });
  }
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices,
    usage: openAIUsage(usage),
  };
}
