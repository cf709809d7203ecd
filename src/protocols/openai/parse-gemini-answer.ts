import type { GeminiResponse } from '../gemini/gemini-types.js';
import { isJsonObject, type JsonObject } from './check-json-type.js';

// Google's 200 answers, parsed and checked before the OpenAI translations read them. A 200 whose
// body is not what the method returns (not JSON, empty, `candidates: null`) is the upstream's
// fault: the client gets a 502 naming it, never a TypeError's 500 nor an empty success.

export type ParsedAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

const malformed = (problem: string): ParsedAnswer<never> => ({ ok: false, problem });

function parseObject(body: Buffer): JsonObject | string {
  if (body.length === 0) return 'an empty body';
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return isJsonObject(parsed) ? parsed : 'JSON that is not an object';
  } catch {
    return 'a body that is not JSON';
  }
}

const isObjectArray = (value: unknown): value is JsonObject[] =>
  Array.isArray(value) && value.every(isJsonObject);

function partProblem(part: JsonObject): string | undefined {
  if (part.text !== undefined && typeof part.text !== 'string') return 'a part whose text is not a string';
  const inline = part.inlineData;
  if (
    inline !== undefined &&
    !(isJsonObject(inline) && typeof inline.mimeType === 'string' && typeof inline.data === 'string')
  )
    return 'a part with malformed inlineData';
  const call = part.functionCall;
  if (call !== undefined && !(isJsonObject(call) && typeof call.name === 'string'))
    return 'a part with a malformed functionCall';
  for (const name of ['executableCode', 'codeExecutionResult'])
    if (part[name] !== undefined && !isJsonObject(part[name])) return `a part whose ${name} is not an object`;
  return undefined;
}

function candidateProblem(candidate: JsonObject): string | undefined {
  const content = candidate.content;
  if (content === undefined) return undefined;
  if (!isJsonObject(content)) return 'a candidate whose content is not an object';
  if (content.parts === undefined) return undefined;
  if (!isObjectArray(content.parts)) return 'a candidate whose parts are not an array of objects';
  for (const part of content.parts) {
    const problem = partProblem(part);
    if (problem) return problem;
  }
  const grounding = candidate.groundingMetadata;
  if (grounding !== undefined && !isJsonObject(grounding)) return 'malformed groundingMetadata';
  const chunks = (grounding as JsonObject | undefined)?.groundingChunks;
  if (chunks !== undefined && !isObjectArray(chunks)) return 'malformed groundingChunks';
  return undefined;
}

/** A generateContent answer: candidates (or, for a blocked prompt, promptFeedback alone). */
export function parseGenerateAnswer(body: Buffer): ParsedAnswer<GeminiResponse> {
  const answer = parseObject(body);
  if (typeof answer === 'string') return malformed(answer);
  if (answer.candidates === undefined) {
    return isJsonObject(answer.promptFeedback)
      ? { ok: true, value: answer as GeminiResponse }
      : malformed('neither candidates nor promptFeedback');
  }
  if (!isObjectArray(answer.candidates)) return malformed('candidates that are not an array of objects');
  for (const candidate of answer.candidates) {
    const problem = candidateProblem(candidate);
    if (problem) return malformed(problem);
  }
  if (answer.usageMetadata !== undefined && !isJsonObject(answer.usageMetadata))
    return malformed('usageMetadata that is not an object');
  return { ok: true, value: answer as GeminiResponse };
}

/** A batchEmbedContents answer: one vector of numbers per request. */
export function parseBatchEmbedAnswer(body: Buffer, expected: number): ParsedAnswer<number[][]> {
  const answer = parseObject(body);
  if (typeof answer === 'string') return malformed(answer);
  const embeddings = answer.embeddings;
  if (!isObjectArray(embeddings)) return malformed('no embeddings array');
  if (embeddings.length !== expected)
    return malformed(`${embeddings.length} embeddings for ${expected} inputs`);
  const vectors: number[][] = [];
  for (const embedding of embeddings) {
    const values = embedding.values;
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'number'))
      return malformed('an embedding whose values are not numbers');
    vectors.push(values);
  }
  return { ok: true, value: vectors };
}

export interface ImagenPrediction {
  readonly bytesBase64Encoded?: string;
  readonly mimeType?: string;
}

/**
 * An Imagen :predict answer. Google leaves `predictions` out when its filters removed every image,
 * so a missing list is no images; a list that is not one is malformed.
 */
export function parsePredictAnswer(body: Buffer): ParsedAnswer<ImagenPrediction[]> {
  const answer = parseObject(body);
  if (typeof answer === 'string') return malformed(answer);
  if (answer.predictions === undefined) return { ok: true, value: [] };
  if (!isObjectArray(answer.predictions)) return malformed('predictions that are not an array of objects');
  const images = answer.predictions.filter(
    (prediction) => typeof prediction.bytesBase64Encoded === 'string' && prediction.bytesBase64Encoded,
  );
  if (
    images.some((prediction) => prediction.mimeType !== undefined && typeof prediction.mimeType !== 'string')
  )
    return malformed('a prediction whose mimeType is not a string');
  return { ok: true, value: images as ImagenPrediction[] };
}

/** A models.list page: the model ids it names. */
export function parseModelListAnswer(body: Buffer): ParsedAnswer<string[]> {
  const answer = parseObject(body);
  if (typeof answer === 'string') return malformed(answer);
  if (answer.models === undefined) return { ok: true, value: [] };
  if (!isObjectArray(answer.models) || !answer.models.every((model) => typeof model.name === 'string'))
    return malformed('models that are not an array of named models');
  return { ok: true, value: answer.models.map((model) => (model.name as string).replace(/^models\//, '')) };
}
