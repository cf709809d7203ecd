import type {
  GeminiCandidate,
  GeminiInlineData,
  GeminiPart,
  GeminiUsageMetadata,
} from '../gemini/gemini-types.js';
import type { OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from './openai-types.js';
import { createToolCallId } from './tool-call-id.js';

/** What translating Gemini's answer needs from outside: fresh ids and where images are served. */
export interface CandidateContext {
  /** A short random string for tool call ids (injected so tests are deterministic). */
  readonly newId: () => string;
  /** A URL for an image Gemini returned; a data URL when not given. */
  readonly imageUrl?: (image: GeminiInlineData) => string;
  /** SHOW_SEARCH_LINK: append the sources of a grounded answer. */
  readonly showSearchLink: boolean;
}

/** One batch of a candidate's parts, in OpenAI's terms. */
export interface CandidatePieces {
  content: string;
  reasoning: string;
  toolCalls: OpenAIToolCall[];
}

const contentFilterReasons = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

/** PROTOCOLS.md §4: a function call means tool_calls whatever Gemini's reason (it says STOP). */
export function mapFinishReason(reason: string | undefined, calledTools: boolean): OpenAIFinishReason {
  if (calledTools) return 'tool_calls';
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && contentFilterReasons.has(reason)) return 'content_filter';
  return 'stop';
}

export function convertUsage(usage: GeminiUsageMetadata | undefined): OpenAIUsage {
  const prompt = usage?.promptTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

function imageMarkdown(image: GeminiInlineData, context: CandidateContext): string {
  const url = context.imageUrl ? context.imageUrl(image) : `data:${image.mimeType};base64,${image.data}`;
  return `\n\n![image](${url})\n\n`;
}

/** Translates a batch of parts (a whole answer, or one stream chunk's). */
export function convertParts(parts: readonly GeminiPart[], context: CandidateContext): CandidatePieces {
  const pieces: CandidatePieces = { content: '', reasoning: '', toolCalls: [] };
  for (const part of parts) {
    if (part.functionCall) {
      const signature = part.thoughtSignature;
      pieces.toolCalls.push({
        id: createToolCallId(context.newId(), signature),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
        ...(signature ? { extra_content: { google: { thought_signature: signature } } } : {}),
      });
    } else if (part.thought && typeof part.text === 'string') {
      pieces.reasoning += part.text;
    } else if (typeof part.text === 'string') {
      pieces.content += part.text;
    } else if (part.inlineData?.mimeType.startsWith('image/')) {
      pieces.content += imageMarkdown(part.inlineData, context);
    } else if (part.executableCode) {
      pieces.content += `\n\`\`\`${(part.executableCode.language ?? '').toLowerCase()}\n${part.executableCode.code}\n\`\`\`\n`;
    } else if (part.codeExecutionResult) {
      pieces.content += `\n\`\`\`\n${part.codeExecutionResult.output ?? ''}\n\`\`\`\n`;
    }
  }
  return pieces;
}

/** The sources of a grounded answer as Markdown links (SHOW_SEARCH_LINK), or ''. */
export function searchLinks(candidate: GeminiCandidate | undefined, context: CandidateContext): string {
  const chunks = candidate?.groundingMetadata?.groundingChunks ?? [];
  const links = chunks
    .filter((chunk) => chunk.web?.uri)
    .map((chunk, index) => `${index + 1}. [${chunk.web?.title ?? chunk.web?.uri}](${chunk.web?.uri})`);
  if (!context.showSearchLink || links.length === 0) return '';
  return `\n\n**Sources**\n${links.join('\n')}\n`;
}
