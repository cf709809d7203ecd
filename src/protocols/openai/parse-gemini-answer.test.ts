import { describe, expect, it } from 'vitest';
import {
  parseBatchEmbedAnswer,
  parseGeneratedFiles,
  parseModelListAnswer,
  parsePredictAnswer,
} from './parse-gemini-answer.js';

const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const problemOf = (parsed: { ok: boolean; problem?: string }) => (parsed.ok ? undefined : parsed.problem);

describe('parseGeneratedFiles', () => {
  it.each([
    ['', 'an empty body'],
    ['upstream connect error', 'a body that is not JSON'],
    [{}, 'neither candidates nor promptFeedback'],
    [
      { candidates: [{ content: { parts: [{ inlineData: { data: 'x' } }] } }] },
      'a part with malformed inlineData',
    ],
    [{ error: { code: 500, message: 'boom' } }, 'an error (boom)'],
  ])('refuses %j: %s', (value, problem) => {
    expect(problemOf(parseGeneratedFiles(body(value)))).toBe(problem);
  });

  it("gives the first candidate's media, in order, and nothing of the others", () => {
    const image = { mimeType: 'image/png', data: 'AAAA' };
    const audio = { mimeType: 'audio/L16;rate=24000', data: 'BBBB' };
    const answer = {
      candidates: [
        { content: { parts: [{ text: 'here' }, { inlineData: image }, { inlineData: audio }] } },
        { index: 1, content: { parts: [{ inlineData: { mimeType: 'image/jpeg', data: 'CCCC' } }] } },
      ],
    };
    expect(parseGeneratedFiles(body(answer))).toEqual({ ok: true, value: [image, audio] });
    expect(parseGeneratedFiles(body({ promptFeedback: { blockReason: 'SAFETY' } }))).toEqual({
      ok: true,
      value: [],
    });
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
