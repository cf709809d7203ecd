import type {
  FinishReason,
  GenerationEvent,
  GenerationSource,
  GenerationUsage,
} from '../generation-event.js';
import type { OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from './openai-types.js';
import { createToolCallId } from './tool-call-id.js';

// The pieces of an OpenAI chat answer, from the protocol-neutral events (generation-event.ts):
// shared by the stream's encoder (encode-chat-chunks.ts) and the whole answer's fold
// (fold-chat-completion.ts), so both say the same thing. Further down, the same from Gemini's own
// types, for the translators they replace (create-chat-stream-translator.ts,
// convert-to-openai-response.ts); that half goes with them.

/** What translating Gemini's answer needs from outside: fresh ids. */
export interface CandidateContext {
  /** A short random string for tool call ids (injected so tests are deterministic). */
  readonly newId: () => string;
  /** SHOW_SEARCH_LINK: append the sources of a grounded answer. */
  readonly showSearchLink: boolean;
}

/** One batch of a candidate's parts, in OpenAI's terms. */
export interface CandidatePieces {
  content: string;
  reasoning: string;
  toolCalls: OpenAIToolCall[];
}

export const emptyPieces = (): CandidatePieces => ({ content: '', reasoning: '', toolCalls: [] });

function imageMarkdownOf(url: string): string {
  return `\n\n![image](${url})\n\n`;
}

/**
 * Adds one of a candidate's events to its pieces, in OpenAI's terms: text, images (as Markdown
 * links to where they were published, else to data URLs) and code blocks to the content, thoughts to the reasoning, whole tool calls (with a fresh
 * id carrying the thought signature). Other events (finish, sources, ...) and media that is not an
 * image add nothing.
 */
export function addPiece(pieces: CandidatePieces, event: GenerationEvent, context: CandidateContext): void {
  switch (event.type) {
    case 'text':
      pieces.content += event.text;
      return;
    case 'reasoning':
      pieces.reasoning += event.text;
      return;
    case 'tool-call': {
      const signature = event.signature;
      pieces.toolCalls.push({
        id: createToolCallId(context.newId(), signature),
        type: 'function',
        function: { name: event.name, arguments: JSON.stringify(event.args) },
        ...(signature ? { extra_content: { google: { thought_signature: signature } } } : {}),
      });
      return;
    }
    case 'file':
      if (event.mimeType.startsWith('image/'))
        pieces.content += imageMarkdownOf(event.url ?? `data:${event.mimeType};base64,${event.data}`);
      return;
    case 'code':
    case 'code-result':
      pieces.content += codeText(event);
      return;
    default:
      return;
  }
}

/** Code the model ran, or what it printed, as a Markdown block of the answer's text. */
export function codeText(event: Extract<GenerationEvent, { type: 'code' | 'code-result' }>): string {
  return event.type === 'code'
    ? `\n\`\`\`${event.language.toLowerCase()}\n${event.code}\n\`\`\`\n`
    : `\n\`\`\`\n${event.output}\n\`\`\`\n`;
}

/** PROTOCOLS.md §4: a function call means tool_calls whatever the reason (Gemini says STOP). */
export function openAIFinishReason(
  reason: FinishReason | undefined,
  calledTools: boolean,
): OpenAIFinishReason {
  if (calledTools) return 'tool_calls';
  if (reason === 'length') return 'length';
  if (reason === 'content-filter') return 'content_filter';
  return 'stop';
}

/** The usage in OpenAI's terms: completion tokens count the reasoning too; none known is zeros. */
export function openAIUsage(usage: GenerationUsage | undefined): OpenAIUsage {
  const reasoning = usage?.reasoning ?? 0;
  return {
    prompt_tokens: usage?.input ?? 0,
    completion_tokens: (usage?.output ?? 0) + reasoning,
    total_tokens: usage?.total ?? 0,
    prompt_tokens_details: { cached_tokens: usage?.cachedInput ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** The sources of a grounded answer as Markdown links (SHOW_SEARCH_LINK), or ''. */
export function sourceLinks(
  sources: readonly GenerationSource[] | undefined,
  context: CandidateContext,
): string {
  if (!context.showSearchLink || !sources || sources.length === 0) return '';
  let links = '';
  for (let index = 0; index < sources.length; index++) {
    const source = sources[index] as GenerationSource;
    links += `${index + 1}. [${source.title ?? source.uri}](${source.uri})\n`;
  }
  return `\n\n**Sources**\n${links}`;
}
