import { describe, expect, it } from 'vitest';
import type { GenerationEvent } from '../generation-event.js';
import { createGeminiChunkDecoder, decodeFinishReason, decodeGeminiAnswer } from './decode-gemini-chunk.js';

const decode = (data: string, whole = false) => createGeminiChunkDecoder().decode(data, whole).events;
const json = (value: unknown) => JSON.stringify(value);
const malformed = (message: string) => [{ type: 'error', status: 502, message, malformed: true }];
const streamProblem = (problem: string) =>
  malformed(`Google sent a stream event with ${problem}; the answer is incomplete.`);

describe('createGeminiChunkDecoder', () => {
  it('decodes every kind of part, in order, then sources, finish and usage', () => {
    const data = json({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'hmm', thought: true, thoughtSignature: 'c2ln' },
              { text: 'Hello' },
              { functionCall: { name: 'f', args: { x: 1 }, id: 'g1' }, thoughtSignature: 'c2lnMg==' },
              { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
              { executableCode: { language: 'PYTHON', code: 'print(2)' } },
              { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '2\n' } },
              { text: '', thoughtSignature: 'ZW5k' },
              { text: '' },
            ],
          },
          groundingMetadata: {
            groundingChunks: [
              { web: { uri: 'https://a.example', title: 'A' } },
              { web: { uri: 'https://b.example' } },
              { web: { title: 'no uri' } },
              { retrievedContext: { uri: 'x' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 5,
        thoughtsTokenCount: 7,
        cachedContentTokenCount: 4,
        totalTokenCount: 22,
      },
      modelVersion: 'gemini-2.5-flash',
    });
    const chunk = createGeminiChunkDecoder().decode(data);
    expect(chunk.data).toBe(data);
    expect(chunk.events).toEqual([
      { type: 'candidate', candidate: 0 },
      { type: 'reasoning', candidate: 0, text: 'hmm', signature: 'c2ln' },
      { type: 'text', candidate: 0, text: 'Hello' },
      { type: 'tool-call', candidate: 0, name: 'f', args: { x: 1 }, id: 'g1', signature: 'c2lnMg==' },
      { type: 'file', candidate: 0, mimeType: 'image/png', data: 'AAAA' },
      { type: 'code', candidate: 0, language: 'PYTHON', code: 'print(2)' },
      { type: 'code-result', candidate: 0, outcome: 'OUTCOME_OK', output: '2\n' },
      { type: 'text', candidate: 0, text: '', signature: 'ZW5k' },
      {
        type: 'sources',
        candidate: 0,
        sources: [{ uri: 'https://a.example', title: 'A' }, { uri: 'https://b.example' }],
      },
      { type: 'finish', candidate: 0, reason: 'stop', upstreamReason: 'STOP' },
      { type: 'usage', usage: { input: 10, output: 5, reasoning: 7, cachedInput: 4, total: 22 } },
    ]);
  });

  it('announces each candidate once for the life of the decoder, by index or position', () => {
    const decoder = createGeminiChunkDecoder();
    const chunk = (...candidates: object[]) => decoder.decode(json({ candidates })).events;
    expect(
      chunk({ content: { parts: [{ text: 'a' }] } }, { index: 3, content: { parts: [{ text: 'b' }] } }),
    ).toEqual([
      { type: 'candidate', candidate: 0 },
      { type: 'text', candidate: 0, text: 'a' },
      { type: 'candidate', candidate: 3 },
      { type: 'text', candidate: 3, text: 'b' },
    ]);
    expect(
      chunk({ index: 3, content: { parts: [{ text: 'c' }] } }, { index: 1, finishReason: 'MAX_TOKENS' }),
    ).toEqual([
      { type: 'text', candidate: 3, text: 'c' },
      { type: 'candidate', candidate: 1 },
      { type: 'finish', candidate: 1, reason: 'length', upstreamReason: 'MAX_TOKENS' },
    ]);
  });

  it('does not count the candidates of a malformed chunk as announced', () => {
    const decoder = createGeminiChunkDecoder();
    const bad = json({ candidates: [{ index: 2 }, { content: { parts: [{ text: 1 }] } }] });
    expect(decoder.decode(bad).events).toEqual(streamProblem('a part whose text is not a string'));
    expect(decoder.decode(json({ candidates: [{ index: 2 }] })).events).toEqual([
      { type: 'candidate', candidate: 2 },
    ]);
  });

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content-filter'],
    ['RECITATION', 'content-filter'],
    ['BLOCKLIST', 'content-filter'],
    ['PROHIBITED_CONTENT', 'content-filter'],
    ['SPII', 'content-filter'],
    ['IMAGE_SAFETY', 'content-filter'],
    ['IMAGE_PROHIBITED_CONTENT', 'content-filter'],
    ['LANGUAGE', 'other'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['OTHER', 'other'],
  ])('maps finishReason %s to %s', (upstream, reason) => {
    expect(decodeFinishReason(upstream)).toBe(reason);
    expect(decode(json({ candidates: [{ finishReason: upstream }] }))).toContainEqual({
      type: 'finish',
      candidate: 0,
      reason,
      upstreamReason: upstream,
    });
  });

  it('says a prompt was blocked only when no candidate came', () => {
    expect(decode(json({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: {} }), true)).toEqual([
      { type: 'blocked', reason: 'SAFETY' },
      { type: 'usage', usage: { input: 0, output: 0, reasoning: 0, cachedInput: 0, total: 0 } },
    ]);
    expect(decode(json({ candidates: [{}], promptFeedback: { blockReason: 'SAFETY' } }))).toEqual([
      { type: 'candidate', candidate: 0 },
    ]);
    expect(decode(json({ candidates: [], promptFeedback: { blockReason: 'OTHER' } }))).toEqual([
      { type: 'blocked', reason: 'OTHER' },
    ]);
  });

  it('takes a stream chunk with only usage, and sums a missing total', () => {
    expect(
      decode(
        json({ usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 1 } }),
      ),
    ).toEqual([{ type: 'usage', usage: { input: 3, output: 2, reasoning: 1, cachedInput: 0, total: 6 } }]);
  });

  it('leaves optional fields out, and makes no event of a part it does not know', () => {
    expect(
      decode(
        json({
          candidates: [
            {
              content: {
                parts: [
                  { functionCall: { name: 'f' } },
                  { functionCall: { name: 'g', args: null } },
                  { executableCode: {} },
                  { codeExecutionResult: {} },
                  { fileData: { fileUri: 'x' } },
                  { somethingNew: { a: 1 } },
                ],
              },
            },
          ],
        }),
      ),
    ).toEqual([
      { type: 'candidate', candidate: 0 },
      { type: 'tool-call', candidate: 0, name: 'f', args: {} },
      { type: 'tool-call', candidate: 0, name: 'g', args: {} },
      { type: 'code', candidate: 0, language: '', code: '' },
      { type: 'code-result', candidate: 0, outcome: '', output: '' },
    ]);
  });

  it.each<[string, string, number, string]>([
    ['Google’s error', json({ error: { code: 503, message: 'overloaded' } }), 503, 'overloaded'],
    ['an error with code "abc"', json({ error: { code: 'abc', message: 'odd' } }), 500, 'odd'],
    ['an error with code 200', json({ error: { code: 200 } }), 500, 'Upstream error'],
    ['an error that is null', json({ error: null }), 500, 'Upstream error'],
  ])('passes on %s', (_name, data, status, message) => {
    for (const whole of [false, true])
      expect(decode(data, whole)).toEqual([{ type: 'error', status, message, malformed: false }]);
  });

  const deep = '['.repeat(100_000);
  it.each<[string, string, string]>([
    ['not JSON', '{not json}', 'Google sent a malformed stream event (not JSON); the answer is incomplete.'],
    ['empty', '', 'Google sent a malformed stream event (not JSON); the answer is incomplete.'],
    [
      'truncated',
      '{"candidates":[',
      'Google sent a malformed stream event (not JSON); the answer is incomplete.',
    ],
    ['100k unclosed [', deep, 'Google sent a malformed stream event (not JSON); the answer is incomplete.'],
    [
      '100k nested arrays',
      `${deep}${']'.repeat(100_000)}`,
      'Google sent a stream event that is not a JSON object; the answer is incomplete.',
    ],
    ['[]', '[]', 'Google sent a stream event that is not a JSON object; the answer is incomplete.'],
    ['null', 'null', 'Google sent a stream event that is not a JSON object; the answer is incomplete.'],
    ['"x"', '"x"', 'Google sent a stream event that is not a JSON object; the answer is incomplete.'],
    ['42', '42', 'Google sent a stream event that is not a JSON object; the answer is incomplete.'],
  ])('refuses a stream event that is %s', (_name, data, message) => {
    expect(decode(data)).toEqual(malformed(message));
  });

  const deepArgs = `{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":${'{"a":'.repeat(
    100_000,
  )}1${'}'.repeat(100_000)}}}]}}]}`;
  it.each<[string, string, string]>([
    ['candidates: null', json({ candidates: null }), 'candidates that are not an array of objects'],
    ['candidates: {}', json({ candidates: {} }), 'candidates that are not an array of objects'],
    [
      'a candidate that is a string',
      json({ candidates: ['x'] }),
      'candidates that are not an array of objects',
    ],
    ['content: []', json({ candidates: [{ content: [] }] }), 'a candidate whose content is not an object'],
    [
      'parts: "x"',
      json({ candidates: [{ content: { parts: 'x' } }] }),
      'a candidate whose parts are not an array of objects',
    ],
    [
      'a part that is null',
      json({ candidates: [{ content: { parts: [null] } }] }),
      'a candidate whose parts are not an array of objects',
    ],
    [
      'text: 1',
      json({ candidates: [{ content: { parts: [{ text: 1 }] } }] }),
      'a part whose text is not a string',
    ],
    [
      'text: null beside a function call',
      json({ candidates: [{ content: { parts: [{ text: null, functionCall: { name: 'f' } }] } }] }),
      'a part whose text is not a string',
    ],
    [
      'inlineData without data',
      json({ candidates: [{ content: { parts: [{ inlineData: { mimeType: 'image/png' } }] } }] }),
      'a part with malformed inlineData',
    ],
    [
      'a functionCall without a name',
      json({ candidates: [{ content: { parts: [{ functionCall: { args: {} } }] } }] }),
      'a part with a malformed functionCall',
    ],
    [
      'a functionCall whose args are an array',
      json({ candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: [1] } }] } }] }),
      'a part with a malformed functionCall',
    ],
    ['args nested 100k deep', deepArgs, 'a part with a malformed functionCall'],
    [
      'executableCode: "x"',
      json({ candidates: [{ content: { parts: [{ executableCode: 'x' }] } }] }),
      'a part whose executableCode is not an object',
    ],
    [
      'codeExecutionResult: 1',
      json({ candidates: [{ content: { parts: [{ codeExecutionResult: 1 }] } }] }),
      'a part whose codeExecutionResult is not an object',
    ],
    ['groundingMetadata: 1', json({ candidates: [{ groundingMetadata: 1 }] }), 'malformed groundingMetadata'],
    [
      'groundingChunks: {}',
      json({ candidates: [{ groundingMetadata: { groundingChunks: {} } }] }),
      'malformed groundingChunks',
    ],
    [
      'finishReason: 1',
      json({ candidates: [{ finishReason: 1 }] }),
      'a candidate whose finishReason is not a string',
    ],
    ['index: "1"', json({ candidates: [{ index: '1' }] }), 'a candidate whose index is not a whole number'],
    ['index: -1', json({ candidates: [{ index: -1 }] }), 'a candidate whose index is not a whole number'],
    ['usageMetadata: 5', json({ candidates: [], usageMetadata: 5 }), 'usageMetadata that is not an object'],
    ['promptFeedback: "x"', json({ promptFeedback: 'x' }), 'promptFeedback that is not an object'],
  ])('refuses a stream event with %s, and nothing else of it', (_name, data, problem) => {
    expect(decode(data)).toEqual(streamProblem(problem));
    expect(decode(data, true)).toEqual(malformed(`Google answered 200 with ${problem}.`));
  });
});

describe('a whole answer', () => {
  it.each<[string, string, string]>([
    ['empty', '', 'an empty body'],
    ['not JSON', '{not json}', 'a body that is not JSON'],
    ['an array', '[]', 'JSON that is not an object'],
    ['null', 'null', 'JSON that is not an object'],
    ['a string', '"x"', 'JSON that is not an object'],
    [
      'without candidates or promptFeedback',
      json({ usageMetadata: {} }),
      'neither candidates nor promptFeedback',
    ],
    ['with candidates: null', json({ candidates: null }), 'candidates that are not an array of objects'],
  ])('is malformed when %s', (_name, data, problem) => {
    expect(decode(data, true)).toEqual(malformed(`Google answered 200 with ${problem}.`));
    expect(decodeGeminiAnswer(data)).toEqual({ ok: false, problem });
  });

  it('decodes as one chunk with decodeGeminiAnswer', () => {
    const data = json({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'STOP' }] });
    const events: GenerationEvent[] = [
      { type: 'candidate', candidate: 0 },
      { type: 'text', candidate: 0, text: 'x' },
      { type: 'finish', candidate: 0, reason: 'stop', upstreamReason: 'STOP' },
    ];
    expect(decodeGeminiAnswer(data)).toEqual({ ok: true, chunk: { events, data } });
    expect(decodeGeminiAnswer(json({ error: { code: 429, message: 'slow' } }))).toEqual({
      ok: true,
      chunk: {
        events: [{ type: 'error', status: 429, message: 'slow', malformed: false }],
        data: '{"error":{"code":429,"message":"slow"}}',
      },
    });
  });
});
