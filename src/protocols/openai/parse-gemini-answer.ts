import { decodeGeminiAnswer } from '../gemini/decode-gemini-chunk.js';
import type { GeminiInlineData } from '../gemini/gemini-types.js';
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

/** Media the model made: the files of a generateContent answer's first candidate, read as events. */
export function parseGeneratedFiles(body: Buffer): ParsedAnswer<GeminiInlineData[]> {
  const decoded = decodeGeminiAnswer(body.toString('utf8'));
  if (!decoded.ok) return malformed(decoded.problem);
  const files: GeminiInlineData[] = [];
  for (const event of decoded.chunk.events) {
    if (event.type === 'error') return malformed(`an error (${event.message})`);
    if (event.type === 'file' && event.candidate === 0)
      files.push({ mimeType: event.mimeType, data: event.data });
  }
  return { ok: true, value: files };
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
