import type {
  FinishReason,
  GenerationEvent,
  GenerationSource,
  GenerationUsage,
} from '../generation-event.js';
import { usageIn } from '../generation-surface.js';
import {
  type CandidateContext,
  codeText,
  imageMarkdownOf,
  sourceLinks,
} from '../openai/convert-candidate.js';
import type { AnthropicStopReason, AnthropicStreamEvent, AnthropicUsage } from './anthropic-types.js';
import { createToolUseId } from './tool-use-id.js';

/** Ids, and SHOW_SEARCH_LINK. */
export interface MessageContext extends CandidateContext {
  /** `msg_…`. */
  readonly id: string;
  /** The model name the client asked for, echoed in the answer. */
  readonly model: string;
}

export interface MessageEncoder {
  /** The stream events for one decoded upstream chunk's events (`error` events are the pipeline's). */
  encode(events: readonly GenerationEvent[]): AnthropicStreamEvent[];
  /** The closing events once the upstream's stream has ended: sources, stop reason, usage. */
  finish(): AnthropicStreamEvent[];
}

/** The usage in Anthropic's terms: cached input apart from the rest, thinking within the output. */
export function anthropicUsage(usage: GenerationUsage | undefined): AnthropicUsage {
  const cached = usage?.cachedInput ?? 0;
  return {
    input_tokens: Math.max((usage?.input ?? 0) - cached, 0),
    output_tokens: (usage?.output ?? 0) + (usage?.reasoning ?? 0),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

/**
 * Gemini reports a stop sequence as a natural stop (STOP) without saying which: such an answer
 * ends `end_turn`. A function call means tool_use whatever Gemini's reason (it says STOP).
 */
function stopReasonOf(
  reason: FinishReason | undefined,
  calledTools: boolean,
  blocked: boolean,
): AnthropicStopReason {
  if (calledTools) return 'tool_use';
  if (blocked || reason === 'content-filter') return 'refusal';
  return reason === 'length' ? 'max_tokens' : 'end_turn';
}

/**
 * Events → Anthropic's stream events (PROTOCOLS.md §5): message_start and ping with the first
 * chunk; then content blocks in the order of Gemini's parts, a block of a kind running on while
 * parts of that kind follow — text (images and code as Markdown within it), thinking (closed with
 * its signature_delta when a thought part carries Gemini's signature, so each signed thought is a
 * block of its own), tool_use (whole: its input in one input_json_delta, its id carrying the call's
 * thought signature); when the stream ends, the sources (SHOW_SEARCH_LINK), message_delta with the
 * stop reason and usage, and message_stop. Anthropic has one answer: other candidates (which the
 * gateway never asks for) are left out. A text part's signature is left out too: Gemini 3 does not
 * check those (only function calls'). Stateful but pure: ids come from the context, image URLs from
 * the events (published by the surface).
 */
export function createMessageEncoder(context: MessageContext): MessageEncoder {
  let started = false;
  let index = -1;
  let open: 'text' | 'thinking' | undefined;
  let usage: GenerationUsage | undefined;
  let reason: FinishReason | undefined;
  let sources: readonly GenerationSource[] | undefined;
  let calledTools = false;
  let blocked = false;

  function start(out: AnthropicStreamEvent[]): void {
    if (started) return;
    started = true;
    const message = {
      id: context.id,
      type: 'message' as const,
      role: 'assistant' as const,
      model: context.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(usage),
    };
    out.push({ type: 'message_start', message }, { type: 'ping' });
  }
  function close(out: AnthropicStreamEvent[]): void {
    if (open === undefined) return;
    out.push({ type: 'content_block_stop', index });
    open = undefined;
  }
  function text(value: string, out: AnthropicStreamEvent[]): void {
    if (value === '') return;
    if (open !== 'text') {
      close(out);
      open = 'text';
      out.push({ type: 'content_block_start', index: ++index, content_block: { type: 'text', text: '' } });
    }
    out.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: value } });
  }
  function thought(event: Extract<GenerationEvent, { type: 'reasoning' }>, out: AnthropicStreamEvent[]) {
    if (open !== 'thinking') {
      close(out);
      open = 'thinking';
      const block = { type: 'thinking' as const, thinking: '', signature: '' };
      out.push({ type: 'content_block_start', index: ++index, content_block: block });
    }
    if (event.text !== '')
      out.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'thinking_delta', thinking: event.text },
      });
    if (event.signature === undefined) return;
    out.push({
      type: 'content_block_delta',
      index,
      delta: { type: 'signature_delta', signature: event.signature },
    });
    close(out);
  }
  function toolUse(event: Extract<GenerationEvent, { type: 'tool-call' }>, out: AnthropicStreamEvent[]) {
    close(out);
    calledTools = true;
    const id = createToolUseId(context.newId(), event.signature);
    const block = { type: 'tool_use' as const, id, name: event.name, input: {} };
    out.push(
      { type: 'content_block_start', index: ++index, content_block: block },
      {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(event.args) },
      },
      { type: 'content_block_stop', index },
    );
  }

  function add(event: GenerationEvent, out: AnthropicStreamEvent[]): void {
    switch (event.type) {
      case 'usage':
        usage = event.usage;
        return;
      case 'blocked':
        blocked = true;
        return;
      case 'error':
        return;
    }
    if (event.candidate !== 0) return;
    switch (event.type) {
      case 'text':
        text(event.text, out);
        return;
      case 'reasoning':
        thought(event, out);
        return;
      case 'tool-call':
        toolUse(event, out);
        return;
      case 'file':
        // Where the surface published it, else inline (audio and other media have no place here).
        if (event.mimeType.startsWith('image/'))
          text(imageMarkdownOf(event.url ?? `data:${event.mimeType};base64,${event.data}`), out);
        return;
      case 'code':
      case 'code-result':
        text(codeText(event), out);
        return;
      case 'sources':
        sources = event.sources;
        return;
      case 'finish':
        reason = event.reason;
        return;
    }
  }

  return {
    encode(events) {
      const out: AnthropicStreamEvent[] = [];
      if (!started) {
        // message_start carries the input tokens, which the first chunk counts.
        usage = usageIn(events) ?? usage;
        start(out);
      }
      for (const event of events) add(event, out);
      return out;
    },
    finish() {
      const out: AnthropicStreamEvent[] = [];
      start(out);
      // The sources follow the text, in its block when it was the last.
      text(sourceLinks(sources, context), out);
      close(out);
      out.push(
        {
          type: 'message_delta',
          delta: { stop_reason: stopReasonOf(reason, calledTools, blocked), stop_sequence: null },
          usage: anthropicUsage(usage),
        },
        { type: 'message_stop' },
      );
      return out;
    },
  };
}

/** Anthropic's SSE framing of one event: its type named on an `event:` line. */
export function encodeAnthropicEvent(event: AnthropicStreamEvent | { type: 'error' }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
