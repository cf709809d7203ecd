import { describe, expect, it } from 'vitest';
import {
  parseBatchEmbedAnswer,
  parseGenerateAnswer,
  parseModelListAnswer,
  parsePredictAnswer,
} from './parse-gemini-answer.js';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const problemOf = (parsed: { ok: boolean; problem?: string }) => (parsed.ok ? undefined : parsed.problem);

describe('parseGenerateAnswer', () => {
  it.each([
    ['', 'an empty body'],
    ['upstream connect error', 'a body that is not JSON'],
    [[], 'JSON that is not an object'],
    [{}, 'neither candidates nor promptFeedback'],
    [{ candidates: null }, 'candidates that are not an array of objects'],
    [{ candidates: [null] }, 'candidates that are not an array of objects'],
    [{ candidates: [{ content: 'x' }] }, 'a candidate whose content is not an object'],
    [{ candidates: [{ content: { parts: {} } }] }, 'a candidate whose parts are not an array of objects'],
    [{ candidates: [{ content: { parts: [{ text: 1 }] } }] }, 'a part whose text is not a string'],
    [
      { candidates: [{ content: { parts: [{ inlineData: { data: 'x' } }] } }] },
      'a part with malformed inlineData',
    ],
    [
      { candidates: [{ content: { parts: [{ functionCall: { args: {} } }] } }] },
      'a part with a malformed functionCall',
    ],
    [
      { candidates: [{ content: { parts: [] }, groundingMetadata: { groundingChunks: 1 } }] },
      'malformed groundingChunks',
    ],
    [{ candidates: [], usageMetadata: 5 }, 'usageMetadata that is not an object'],
  ])('refuses %j: %s', (value, problem) => {
    expect(problemOf(parseGenerateAnswer(body(value)))).toBe(problem);
  });

  it.each([
    [{ candidates: [{ content: { parts: [{ text: 'hi' }], role: 'model' }, finishReason: 'STOP' }] }],
    [{ candidates: [{ finishReason: 'SAFETY' }] }],
    [{ promptFeedback: { blockReason: 'SAFETY' } }],
  ])('accepts %j', (value) => {
    expect(parseGenerateAnswer(body(value))).toEqual({ ok: true, value });
  });
});

describe('the other answers', () => {
  it('wants one vector of numbers per embedded input', () => {
    expect(parseBatchEmbedAnswer(body({ embeddings: [{ values: [1, 2] }] }), 1)).toEqual({
      ok: true,
      value: [[1, 2]],
    });
    expect(problemOf(parseBatchEmbedAnswer(body({ embeddings: null }), 1))).toBe('no embeddings array');
    expect(problemOf(parseBatchEmbedAnswer(body({ embeddings: [] }), 1))).toBe('0 embeddings for 1 inputs');
    expect(problemOf(parseBatchEmbedAnswer(body({ embeddings: [{ values: ['1'] }] }), 1))).toBe(
      'an embedding whose values are not numbers',
    );
  });

  it('reads Imagen predictions, a missing list as no images', () => {
    expect(parsePredictAnswer(body({}))).toEqual({ ok: true, value: [] });
    expect(
      parsePredictAnswer(
        body({
          predictions: [{ bytesBase64Encoded: 'AA', mimeType: 'image/png' }, { raiFilteredReason: 'x' }],
        }),
      ),
    ).toEqual({
      ok: true,
      value: [{ bytesBase64Encoded: 'AA', mimeType: 'image/png' }],
    });
    expect(problemOf(parsePredictAnswer(body({ predictions: null })))).toBe(
      'predictions that are not an array of objects',
    );
  });

  it('reads model ids from a models.list page', () => {
    expect(parseModelListAnswer(body({ models: [{ name: 'models/gemini-2.5-flash' }] }))).toEqual({
      ok: true,
      value: ['gemini-2.5-flash'],
    });
    expect(problemOf(parseModelListAnswer(body({ models: [{}] })))).toBe(
      'models that are not an array of named models',
    );
    expect(problemOf(parseModelListAnswer(body('')))).toBe('an empty body');
  });
});
