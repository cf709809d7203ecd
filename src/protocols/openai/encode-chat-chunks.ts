import type {
  FinishReason,
  GenerationEvent,
  GenerationSource,
  GenerationUsage,
} from '../generation-event.js';
import {
  addPiece,
  type CandidatePieces,
  emptyPieces,
  openAIFinishReason,
  openAIUsage,
  sourceLinks,
} from './convert-candidate.js';
import type { CompletionContext } from './fold-chat-completion.js';
import type { OpenAIChatChunk, OpenAIChunkDelta } from './openai-types.js';

export interface ChatStreamContext extends CompletionContext {
  /** stream_options.include_usage: one more chunk with the usage before [DONE]. */
  readonly includeUsage: boolean;
}

export interface ChatChunkEncoder {
  /** The OpenAI chunks for one decoded upstream chunk's events (`error` events are ignored). */
  encode(events: readonly GenerationEvent[]): OpenAIChatChunk[];
  /** The closing chunks once the upstream's stream has ended: sources, finish reasons, usage. */
  finish(): OpenAIChatChunk[];
}

interface ChoiceState {
  toolCalls: number;
  finish?: FinishReason;
  sources?: readonly GenerationSource[];
}

/**
 * Events → OpenAI chat.completion.chunk objects (PROTOCOLS.md §3). Per upstream chunk and
 * candidate: the role the first time the candidate is seen, then one reasoning chunk, one content
 * chunk (text, images and code in part order) and one chunk of whole tool calls (index, id, type,
 * name, arguments on the first and only fragment, as the `openai` stream helper requires). When the
 * stream ends: per choice its sources (SHOW_SEARCH_LINK) and its finish reason, then the usage
 * (include_usage). Stateful but pure: ids and image URLs come from the context.
 */
export function createChatChunkEncoder(context: ChatStreamContext): ChatChunkEncoder {
  const choices = new Map<number, ChoiceState>();
  let usage: GenerationUsage | undefined;
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

  /** The chunks of one candidate's run of events within an upstream chunk. */
  function flush(index: number, state: ChoiceState, pieces: CandidatePieces, out: OpenAIChatChunk[]): void {
    if (pieces.reasoning) out.push(chunk(index, { reasoning_content: pieces.reasoning }));
    if (pieces.content) out.push(chunk(index, { content: pieces.content }));
    if (pieces.toolCalls.length > 0) {
      out.push(
        chunk(index, {
          tool_calls: pieces.toolCalls.map((call) => ({ index: state.toolCalls++, ...call })),
        }),
      );
    }
  }

  return {
    encode(events) {
      const out: OpenAIChatChunk[] = [];
      let current: { index: number; state: ChoiceState; pieces: CandidatePieces } | undefined;
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
            if (current?.index !== event.candidate) {
              if (current) flush(current.index, current.state, current.pieces, out);
              current = {
                index: event.candidate,
                state: choice(event.candidate, out),
                pieces: emptyPieces(),
              };
            }
            if (event.type === 'finish') current.state.finish = event.reason;
            else if (event.type === 'sources') current.state.sources = event.sources;
            else addPiece(current.pieces, event, context);
          }
        }
      }
      if (current) flush(current.index, current.state, current.pieces, out);
      return out;
    },
    finish() {
      const out: OpenAIChatChunk[] = [];
      // A blocked prompt has no candidate: its one choice is refused.
      if (choices.size === 0) choice(0, out);
      for (const [index, state] of choices) {
        const links = sourceLinks(state.sources, context);
        if (links) out.push(chunk(index, { content: links }));
        const reason = blocked ? 'content_filter' : openAIFinishReason(state.finish, state.toolCalls > 0);
        out.push(chunk(index, {}, reason));
      }
      if (context.includeUsage) out.push({ ...chunk(0, {}), choices: [], usage: openAIUsage(usage) });
      return out;
    },
  };
}
