import { answerUsage, embedValues, estimateTokens, type FakeAnswer, splitText } from './fake-answers.js';
import { type FakeError, invalidArgumentError } from './fake-errors.js';
import type { FakeModel } from './fake-models.js';
import type { FakeContent, FakeGenerateRequest, FakePart } from './fake-request.js';

// Google's OpenAI-compatible endpoint (`/v1beta/openai/...`): OpenAI shapes around the same
// deterministic answers the native API gives.

export interface FakeChatRequest {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  n?: unknown;
  stop?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
}

export interface FakeEmbeddingsRequest {
  model?: unknown;
  input?: unknown;
  dimensions?: unknown;
  encoding_format?: unknown;
}

/** `gemini-2.5-flash` or `models/gemini-2.5-flash`, as Google accepts both. */
export function openAiModelId(model: unknown): string | undefined {
  return typeof model === 'string' && model !== '' ? model.replace(/^models\//, '') : undefined;
}

function partsOf(content: unknown): FakePart[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((item: { type?: unknown; text?: unknown }) =>
    item?.type === 'text' && typeof item.text === 'string' ? [{ text: item.text }] : [],
  );
}

/** The Gemini request the compatibility layer makes of a chat request: text messages and limits. */
export function chatToGenerateRequest(chat: FakeChatRequest): FakeGenerateRequest {
  const messages = Array.isArray(chat.messages)
    ? (chat.messages as { role?: unknown; content?: unknown }[])
    : [];
  const isSystem = (message: { role?: unknown }) => message.role === 'system' || message.role === 'developer';
  const contents: FakeContent[] = messages
    .filter((message) => !isSystem(message))
    .map((message) => ({
      role: message.role === 'assistant' ? 'model' : 'user',
      parts: partsOf(message.content),
    }));
  const system = messages.filter(isSystem).flatMap((message) => partsOf(message.content));
  const maxTokens = chat.max_completion_tokens ?? chat.max_tokens;
  const stop = typeof chat.stop === 'string' ? [chat.stop] : chat.stop;
  const generationConfig = {
    ...(typeof maxTokens === 'number' ? { maxOutputTokens: maxTokens } : {}),
    ...(Array.isArray(stop) ? { stopSequences: stop } : {}),
    ...(typeof chat.n === 'number' ? { candidateCount: chat.n } : {}),
  };
  return {
    contents,
    ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}),
    ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
  };
}

const finishReasons: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
};

/** One choice per candidate; a blocked prompt still gets one, filtered. */
function choicesOf(answer: FakeAnswer): { content: string | null; finishReason: string }[] {
  if (answer.candidates.length === 0) return [{ content: null, finishReason: 'content_filter' }];
  return answer.candidates.map((candidate) => {
    const texts = candidate.parts.filter((part) => typeof part.text === 'string' && !part.thought);
    return {
      content: texts.length > 0 ? texts.map((part) => part.text).join('') : null,
      finishReason: finishReasons[candidate.finishReason] ?? 'stop',
    };
  });
}

function openAiUsage(answer: FakeAnswer) {
  const usage = answerUsage(answer);
  const completion = usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0);
  return {
    prompt_tokens: usage.promptTokenCount,
    completion_tokens: completion,
    total_tokens: usage.promptTokenCount + completion,
  };
}

export function chatCompletion(modelId: string, answer: FakeAnswer, id: string, created: number) {
  return {
    id,
    object: 'chat.completion',
    created,
    model: modelId,
    choices: choicesOf(answer).map((choice, index) => ({
      index,
      message: { role: 'assistant', content: choice.content },
      finish_reason: choice.finishReason,
    })),
    usage: openAiUsage(answer),
  };
}

/**
 * `chat.completion.chunk`s: the role first, then the text in pieces, then the finish reasons,
 * then (when asked with stream_options.include_usage) the usage with no choices.
 */
export function chatCompletionChunks(
  modelId: string,
  answer: FakeAnswer,
  id: string,
  created: number,
  includeUsage: boolean,
): unknown[] {
  const base = { id, object: 'chat.completion.chunk', created, model: modelId };
  const choices = choicesOf(answer);
  const pieces = choices.map((choice) => (choice.content === null ? [] : splitText(choice.content, 4)));
  const steps = Math.max(...pieces.map((list) => list.length));
  const textChunks = Array.from({ length: steps }, (_, step) => ({
    ...base,
    choices: pieces.flatMap((list, index) => {
      const piece = list[step];
      return piece === undefined ? [] : [{ index, delta: { content: piece }, finish_reason: null }];
    }),
  }));
  return [
    {
      ...base,
      choices: choices.map((_, index) => ({
        index,
        delta: { role: 'assistant', content: '' },
        finish_reason: null,
      })),
    },
    ...textChunks,
    {
      ...base,
      choices: choices.map((choice, index) => ({ index, delta: {}, finish_reason: choice.finishReason })),
    },
    ...(includeUsage ? [{ ...base, choices: [], usage: openAiUsage(answer) }] : []),
  ];
}

/** Google lists no creation time; one fixed value keeps the list deterministic. */
export const openAiModelCreated = 1_700_000_000;

export function openAiModel(model: FakeModel) {
  return { id: model.name, object: 'model', created: openAiModelCreated, owned_by: 'google' };
}

function embeddingInputs(request: FakeEmbeddingsRequest): string[] | undefined {
  const { input } = request;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'))
    return input;
  return undefined;
}

export function embeddingsProblem(request: FakeEmbeddingsRequest): FakeError | undefined {
  return embeddingInputs(request)
    ? undefined
    : invalidArgumentError('input must be a string or a non-empty array of strings.');
}

/** Float32 little-endian bytes in base64, what the `openai` client asks for by default. */
function base64Floats(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (const [index, value] of values.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString('base64');
}

export function embeddingsResponse(modelId: string, request: FakeEmbeddingsRequest) {
  const inputs = embeddingInputs(request) ?? [];
  const dimensions = typeof request.dimensions === 'number' ? request.dimensions : undefined;
  const promptTokens = inputs.reduce((sum, text) => sum + estimateTokens([{ parts: [{ text }] }]), 0);
  return {
    object: 'list',
    data: inputs.map((text, index) => {
      const values = embedValues(modelId, {
        content: { parts: [{ text }] },
        ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }),
      });
      return {
        object: 'embedding',
        index,
        embedding: request.encoding_format === 'base64' ? base64Floats(values) : values,
      };
    }),
    model: modelId,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
