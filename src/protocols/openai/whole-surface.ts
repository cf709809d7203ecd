import type { SurfaceAnswer, SurfaceFailure, WholeAnswer, WholeSurface } from '../generation-surface.js';
import { convertGeminiErrorToOpenAI } from './openai-error.js';
import type { ParsedAnswer } from './parse-gemini-answer.js';

const jsonType = 'application/json; charset=utf-8';

/** Google's failure as the OpenAI client reads it: Google's status kept. */
export function openAIFailure(failure: SurfaceFailure): WholeAnswer {
  return {
    status: failure.status,
    contentType: jsonType,
    body: JSON.stringify(convertGeminiErrorToOpenAI(failure.status, failure.error)),
  };
}

/** A 200 with a JSON body. */
export function jsonAnswer(value: unknown): WholeAnswer {
  return { status: 200, contentType: jsonType, body: JSON.stringify(value) };
}

/**
 * An OpenAI operation answered whole (models, embeddings, images, speech): Google's answer checked
 * by `parse`, then turned into the client's by `answer`.
 */
export function createOpenAIWholeSurface<T>(
  parse: (body: Buffer) => ParsedAnswer<T>,
  answer: (value: T, index: number) => SurfaceAnswer | Promise<SurfaceAnswer>,
): WholeSurface {
  return {
    failure: openAIFailure,
    answer(_status, _contentType, body, index) {
      const parsed = parse(body);
      return parsed.ok ? answer(parsed.value, index) : { problem: parsed.problem };
    },
  };
}
