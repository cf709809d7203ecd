import { embeddingDimensions, findFakeModel } from './fake-models.js';

// Deterministic answers: the same request always yields the same bytes (apart from responseId),
// so tests can compute what they expect with the exported helpers.

interface FakePart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
  [field: string]: unknown;
}
interface FakeContent {
  role?: string;
  parts?: FakePart[];
}
export interface FakeGenerateRequest {
  contents?: FakeContent[];
  systemInstruction?: FakeContent;
  generationConfig?: {
    maxOutputTokens?: number;
    thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
  };
}

/** Roughly Gemini's ratio for English text; an image counts 258 tokens as Google documents. */
export function estimateTokens(contents: readonly FakeContent[]): number {
  let tokens = 0;
  for (const content of contents) {
    for (const part of content.parts ?? []) {
      if (typeof part.text === 'string') tokens += Math.ceil(part.text.length / 4);
      else if (part.inlineData) tokens += 258;
      else tokens += Math.ceil(JSON.stringify(part).length / 4);
    }
  }
  return Math.max(tokens, 1);
}

export function lastUserText(request: FakeGenerateRequest): string {
  const contents = request.contents ?? [];
  for (let index = contents.length - 1; index >= 0; index--) {
    const content = contents[index];
    if (content?.role === 'model') continue;
    const texts = (content?.parts ?? []).map((part) => part.text).filter((text) => typeof text === 'string');
    if (texts.length > 0) return texts.join(' ');
  }
  return '';
}

/** The visible answer the fake gives to a prompt. */
export function fakeAnswerText(prompt: string): string {
  return (
    `Echo: ${prompt}\nThis is a deterministic answer from the fake Gemini upstream. ` +
    'It arrives in several chunks when streamed, so clients can watch the text grow.'
  );
}

const thoughtText = '**Reading the request**\n\nThe fake upstream considers the prompt before answering.';
const thoughtsTokenCount = 16;

export interface FakeAnswer {
  readonly thought?: string;
  readonly text: string;
  readonly finishReason: 'STOP' | 'MAX_TOKENS';
  readonly promptTokenCount: number;
  readonly thoughtsTokenCount?: number;
}

export function buildAnswer(modelId: string, request: FakeGenerateRequest): FakeAnswer {
  const thinkingConfig = request.generationConfig?.thinkingConfig;
  const thinks = findFakeModel(modelId)?.thinking === true && thinkingConfig?.thinkingBudget !== 0;
  const fullText = fakeAnswerText(lastUserText(request));
  const limit = request.generationConfig?.maxOutputTokens;
  const truncated = limit !== undefined && Math.ceil(fullText.length / 4) > limit;
  const contents = [
    ...(request.contents ?? []),
    ...(request.systemInstruction ? [request.systemInstruction] : []),
  ];
  return {
    ...(thinks && thinkingConfig?.includeThoughts ? { thought: thoughtText } : {}),
    text: truncated ? fullText.slice(0, Math.max(limit, 0) * 4) : fullText,
    finishReason: truncated ? 'MAX_TOKENS' : 'STOP',
    promptTokenCount: estimateTokens(contents),
    ...(thinks ? { thoughtsTokenCount } : {}),
  };
}

function usage(answer: FakeAnswer, candidatesText: string) {
  const candidatesTokenCount = Math.ceil(candidatesText.length / 4);
  const thoughts = answer.thoughtsTokenCount ?? 0;
  return {
    promptTokenCount: answer.promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: answer.promptTokenCount + candidatesTokenCount + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.promptTokenCount }],
    ...(answer.thoughtsTokenCount === undefined ? {} : { thoughtsTokenCount: answer.thoughtsTokenCount }),
  };
}

export function generateResponse(modelId: string, answer: FakeAnswer, responseId: string) {
  const parts: FakePart[] = answer.thought ? [{ text: answer.thought, thought: true }] : [];
  parts.push({ text: answer.text });
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: answer.finishReason, index: 0 }],
    usageMetadata: usage(answer, answer.text),
    modelVersion: modelId,
    responseId,
  };
}

/** Splits text into `count` pieces at spaces, keeping every character. */
export function splitText(text: string, count: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (let index = 1; index < count; index++) {
    const target = Math.floor((text.length * index) / count);
    const cut = text.indexOf(' ', target);
    if (cut <= start || cut === -1) continue;
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** Stream chunks as Google sends them: usage grows chunk by chunk, the last one carries finishReason. */
export function streamResponses(modelId: string, answer: FakeAnswer, responseId: string) {
  const pieces = splitText(answer.text, 4);
  const chunks: unknown[] = [];
  if (answer.thought) {
    chunks.push({
      candidates: [
        { content: { parts: [{ text: answer.thought, thought: true }], role: 'model' }, index: 0 },
      ],
      usageMetadata: usage(answer, ''),
      modelVersion: modelId,
      responseId,
    });
  }
  let sent = '';
  pieces.forEach((piece, index) => {
    sent += piece;
    const last = index === pieces.length - 1;
    chunks.push({
      candidates: [
        {
          content: { parts: [{ text: piece }], role: 'model' },
          ...(last ? { finishReason: answer.finishReason } : {}),
          index: 0,
        },
      ],
      usageMetadata: usage(answer, sent),
      modelVersion: modelId,
      responseId,
    });
  });
  return chunks;
}

export function countTokensResponse(
  request: FakeGenerateRequest & { generateContentRequest?: FakeGenerateRequest },
) {
  const inner = request.generateContentRequest ?? request;
  const contents = [...(inner.contents ?? []), ...(inner.systemInstruction ? [inner.systemInstruction] : [])];
  const totalTokens = estimateTokens(contents);
  return { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] };
}

function hash(text: string): number {
  let value = 2166136261;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

/** A unit-length vector that depends only on the text and the width. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  let state = hash(text) || 1;
  const values: number[] = [];
  for (let index = 0; index < dimensions; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    values.push(((state >>> 0) / 4294967296) * 2 - 1);
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => Math.round((value / norm) * 1e7) / 1e7);
}

export interface FakeEmbedRequest {
  content?: FakeContent;
  outputDimensionality?: number;
}

export function embedValues(modelId: string, request: FakeEmbedRequest): number[] {
  const text = (request.content?.parts ?? []).map((part) => part.text ?? '').join(' ');
  return fakeEmbedding(text, request.outputDimensionality ?? embeddingDimensions(modelId));
}
