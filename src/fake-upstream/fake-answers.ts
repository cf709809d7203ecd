import { fakePng, fakeSpeechPcm, isSpeechModel, speechMimeType } from './fake-media.js';
import { embeddingDimensions, findFakeModel } from './fake-models.js';
import {
  type FakeContent,
  type FakeGenerateRequest,
  type FakePart,
  functionCallOf,
  type GenerateView,
  readGenerateRequest,
} from './fake-request.js';
import { blockedSafetyRatings } from './fake-safety.js';
import {
  codeExecutionParts,
  fakeJsonAnswer,
  functionCallParts,
  functionsToCall,
  groundingMetadata,
  toolResultsText,
  urlContextMetadata,
} from './fake-tools.js';

export type { FakeContent, FakeGenerateRequest, FakePart } from './fake-request.js';

// Deterministic answers: the same request always yields the same bytes (apart from responseId),
// so tests can compute what they expect with the exported helpers.

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

/** The text of every image answer, before its picture. */
export const fakeImageText = 'Here is the image you asked for.';

export type FakeFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY';

export interface FakeCandidate {
  /** Every part of the answer, whole; a stream cuts them into chunks (see streamSegments). */
  readonly parts: readonly FakePart[];
  readonly finishReason: FakeFinishReason;
  /** Fields Google puts beside the content (safetyRatings, groundingMetadata, ...), on a stream's last chunk. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface FakeAnswer {
  /** Empty for a blocked prompt, which gets promptFeedback instead. */
  readonly candidates: readonly FakeCandidate[];
  readonly promptFeedback?: Readonly<Record<string, unknown>>;
  readonly promptTokenCount: number;
  readonly thoughtsTokenCount?: number;
}

function withPrefix(text: string, index: number): string {
  // Candidates must differ, or a client could not tell them apart.
  return index === 0 ? text : `[${index}] ${text}`;
}

/** Stop sequences cut the text (finish STOP); then the output limit may (finish MAX_TOKENS). */
function limitText(
  text: string,
  stopSequences: readonly string[],
  maxOutputTokens: number | undefined,
): { text: string; finishReason: FakeFinishReason } {
  const stopAt = Math.min(...stopSequences.map((stop) => text.indexOf(stop)).filter((at) => at >= 0));
  const stopped = Number.isFinite(stopAt) ? text.slice(0, stopAt) : text;
  if (maxOutputTokens !== undefined && Math.ceil(stopped.length / 4) > maxOutputTokens) {
    return { text: stopped.slice(0, Math.max(maxOutputTokens, 0) * 4), finishReason: 'MAX_TOKENS' };
  }
  return { text: stopped, finishReason: 'STOP' };
}

function limitedText(view: GenerateView, text: string, index: number) {
  return limitText(withPrefix(text, index), view.stopSequences, view.maxOutputTokens);
}

function wantsImage(modelId: string, view: GenerateView): boolean {
  return view.responseModalities.includes('IMAGE') || modelId.includes('-image');
}

/** One candidate, by the first rule that applies: speech, tool results, function calls, image, text. */
function candidateFor(modelId: string, view: GenerateView, prompt: string, index: number): FakeCandidate {
  if (isSpeechModel(modelId)) {
    const audio = { mimeType: speechMimeType, data: fakeSpeechPcm(prompt).toString('base64') };
    return { parts: [{ inlineData: audio }], finishReason: 'STOP', metadata: {} };
  }
  const toolResults = toolResultsText(view.contents);
  if (toolResults !== undefined) {
    const { text, finishReason } = limitedText(view, toolResults, index);
    return { parts: [{ text }], finishReason, metadata: {} };
  }
  const calls = functionsToCall(view, prompt);
  if (calls.length > 0) {
    return { parts: functionCallParts(modelId, view, calls), finishReason: 'STOP', metadata: {} };
  }
  if (wantsImage(modelId, view)) {
    const image = { mimeType: 'image/png', data: fakePng().toString('base64') };
    return {
      parts: [{ text: withPrefix(fakeImageText, index) }, { inlineData: image }],
      finishReason: 'STOP',
      metadata: {},
    };
  }
  const answer =
    view.responseMimeType === 'application/json'
      ? fakeJsonAnswer(view.responseSchema, fakeAnswerText(prompt))
      : fakeAnswerText(prompt);
  const { text, finishReason } = limitedText(view, answer, index);
  const urlContext = view.urlContext ? urlContextMetadata(prompt) : undefined;
  return {
    parts: [...(view.codeExecution ? codeExecutionParts(prompt) : []), { text }],
    finishReason,
    metadata: {
      ...(view.googleSearch ? { groundingMetadata: groundingMetadata(prompt, text) } : {}),
      ...(urlContext ? { urlContextMetadata: urlContext } : {}),
    },
  };
}

export function buildAnswer(modelId: string, request: FakeGenerateRequest): FakeAnswer {
  const view = readGenerateRequest(request);
  const prompt = lastUserText(request);
  const promptTokenCount = estimateTokens([
    ...view.contents,
    ...(view.systemInstruction ? [view.systemInstruction] : []),
  ]);
  const candidates = (build: (index: number) => FakeCandidate) =>
    Array.from({ length: view.candidateCount }, (_, index) => build(index));
  if (prompt.includes('blocked-prompt')) {
    return {
      candidates: [],
      promptFeedback: { blockReason: 'SAFETY', safetyRatings: blockedSafetyRatings() },
      promptTokenCount,
    };
  }
  if (prompt.includes('forbidden-topic')) {
    return {
      candidates: candidates(() => ({
        parts: [],
        finishReason: 'SAFETY',
        metadata: { safetyRatings: blockedSafetyRatings() },
      })),
      promptTokenCount,
    };
  }
  const thinks = findFakeModel(modelId)?.thinking === true && view.thinkingBudget !== 0;
  const thought: FakePart[] = thinks && view.includeThoughts ? [{ text: thoughtText, thought: true }] : [];
  return {
    candidates: candidates((index) => {
      const candidate = candidateFor(modelId, view, prompt, index);
      return { ...candidate, parts: [...thought, ...candidate.parts] };
    }),
    promptTokenCount,
    ...(thinks ? { thoughtsTokenCount } : {}),
  };
}

/**
 * What a part costs in output tokens: text by its characters, media at Google's fixed rates, other
 * parts (function calls, code) by their JSON.
 */
function partCost(part: FakePart): { chars: number; media?: { modality: string; tokens: number } } {
  if (typeof part.text === 'string') return { chars: part.thought ? 0 : part.text.length };
  const data = part.inlineData?.data;
  if (typeof data === 'string') {
    if (part.inlineData?.mimeType?.startsWith('audio/')) {
      // 32 tokens per second of audio; s16le at 24 kHz is 48 bytes per millisecond.
      const durationMs = Buffer.byteLength(data, 'base64') / 48;
      return { chars: 0, media: { modality: 'AUDIO', tokens: Math.ceil((durationMs * 32) / 1000) } };
    }
    return { chars: 0, media: { modality: 'IMAGE', tokens: 1290 } };
  }
  const { thoughtSignature: _signature, ...rest } = part;
  return { chars: JSON.stringify(rest).length };
}

/** Usage once `sent` (the parts sent so far, per candidate) has been delivered. */
function usage(answer: FakeAnswer, sent: readonly (readonly FakePart[])[]) {
  let candidatesTokenCount = 0;
  const media = new Map<string, number>();
  for (const parts of sent) {
    let chars = 0;
    for (const part of parts) {
      const cost = partCost(part);
      chars += cost.chars;
      if (cost.media)
        media.set(cost.media.modality, (media.get(cost.media.modality) ?? 0) + cost.media.tokens);
    }
    candidatesTokenCount += Math.ceil(chars / 4);
  }
  for (const tokens of media.values()) candidatesTokenCount += tokens;
  const thoughts = answer.thoughtsTokenCount ?? 0;
  return {
    promptTokenCount: answer.promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: answer.promptTokenCount + candidatesTokenCount + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.promptTokenCount }],
    ...(media.size === 0
      ? {}
      : { candidatesTokensDetails: [...media].map(([modality, tokenCount]) => ({ modality, tokenCount })) }),
    ...(answer.thoughtsTokenCount === undefined ? {} : { thoughtsTokenCount: answer.thoughtsTokenCount }),
  };
}

/** The usage of the whole answer. */
export function answerUsage(answer: FakeAnswer) {
  return usage(
    answer,
    answer.candidates.map((candidate) => candidate.parts),
  );
}

function candidateJson(candidate: FakeCandidate, parts: readonly FakePart[], index: number, last: boolean) {
  // A candidate blocked for safety has no content at all; others keep a content even without parts.
  const content = parts.length > 0 ? { parts, role: 'model' } : { role: 'model' };
  return {
    ...(candidate.finishReason === 'SAFETY' ? {} : { content }),
    ...(last ? { finishReason: candidate.finishReason } : {}),
    index,
    ...(last ? candidate.metadata : {}),
  };
}

export function generateResponse(modelId: string, answer: FakeAnswer, responseId: string) {
  return {
    ...(answer.promptFeedback
      ? { promptFeedback: answer.promptFeedback }
      : {
          candidates: answer.candidates.map((candidate, index) =>
            candidateJson(candidate, candidate.parts, index, true),
          ),
        }),
    usageMetadata: answerUsage(answer),
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

/**
 * How a stream cuts a candidate's parts into chunks, as Google does: text in several pieces,
 * parallel function calls whole in one chunk, any other part alone. After inline data (an image,
 * audio) the finish reason comes in a further chunk whose content has no parts.
 */
function streamSegments(parts: readonly FakePart[]): FakePart[][] {
  const segments: FakePart[][] = [];
  for (const part of parts) {
    const previous = segments.at(-1);
    if (typeof part.text === 'string' && !part.thought) {
      segments.push(...splitText(part.text, 4).map((piece) => [{ ...part, text: piece }]));
    } else if (functionCallOf(part) && previous?.every((earlier) => functionCallOf(earlier))) {
      previous.push(part);
    } else {
      segments.push([part]);
    }
  }
  if (segments.length === 0 || parts.at(-1)?.inlineData) segments.push([]);
  return segments;
}

/**
 * Stream chunks as Google sends them: every chunk carries every candidate, usage grows chunk by
 * chunk, and the last chunk carries finishReason and the candidates' metadata.
 */
export function streamResponses(modelId: string, answer: FakeAnswer, responseId: string) {
  const envelope = (body: Record<string, unknown>, sent: readonly (readonly FakePart[])[]) => ({
    ...body,
    usageMetadata: usage(answer, sent),
    modelVersion: modelId,
    responseId,
  });
  if (answer.promptFeedback) return [envelope({ promptFeedback: answer.promptFeedback }, [])];
  const segments = answer.candidates.map((candidate) => streamSegments(candidate.parts));
  const count = Math.max(...segments.map((list) => list.length));
  return Array.from({ length: count }, (_, chunk) =>
    envelope(
      {
        candidates: answer.candidates.map((candidate, index) =>
          candidateJson(candidate, segments[index]?.[chunk] ?? [], index, chunk === count - 1),
        ),
      },
      segments.map((list) => list.slice(0, chunk + 1).flat()),
    ),
  );
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
