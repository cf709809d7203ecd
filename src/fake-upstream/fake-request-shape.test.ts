import { describe, expect, it } from 'vitest';
import { requestShapeProblem } from './fake-request-shape.js';

const problem = (method: string, text: string) =>
  (
    requestShapeProblem(method, JSON.parse(text), Buffer.from(text), 'v1beta')?.body as
      | { error: { message: string } }
      | undefined
  )?.error.message;

describe('requestShapeProblem', () => {
  it.each([
    ['generateContent', '{"contents":"x"}', "Invalid value at 'contents'"],
    ['generateContent', '{"contents":[5]}', "Invalid value at 'contents[0]'"],
    ['streamGenerateContent', '{"contents":[{"parts":"x"}]}', "Invalid value at 'contents[0].parts'"],
    ['countTokens', '{"contents":[{"parts":[{"text":5}]}]}', "'contents[0].parts[0].text' (TYPE_STRING), 5"],
    ['generateContent', '{"contents":[],"system_instruction":[]}', "Invalid value at 'system_instruction'"],
    ['generateContent', '{"contents":[],"generationConfig":"x"}', "Invalid value at 'generation_config'"],
    ['embedContent', '{"content":5}', "Invalid value at 'content'"],
    ['batchEmbedContents', '{"requests":[{"content":[]}]}', "Invalid value at 'requests[0].content'"],
    ['generateContent', `{"contents":${'['.repeat(101)}${']'.repeat(101)}}`, 'nesting too deep'],
    [
      'generateContent',
      '{"contents":[{"parts":[{"text":"a"}]},{"parts":[{"text":"b","thoughtSignature":"not base64!"}]}]}',
      `'contents[1].parts[0].thought_signature' (TYPE_BYTES), Base64 decoding failed for "not base64!"`,
    ],
    ['generateContent', '{"contents":[{"parts":[{"thoughtSignature":"abcde"}]}]}', 'Base64 decoding failed'],
  ])('%s %s: %s', (method, text, expected) => {
    expect(problem(method, text)).toContain(expected);
  });

  it.each([
    ['generateContent', '{"contents":[{"role":"user","parts":[{"text":"hi"},{"inlineData":{}}]}]}'],
    ['countTokens', '{"generateContentRequest":{"contents":[{"parts":[{"text":"hi"}]}]}}'],
    ['batchEmbedContents', '{"requests":[{"content":{"parts":[{"text":"hi"}]}}]}'],
    ['predict', '{"instances":5}'],
    // Standard and URL-safe base64 alike, with or without padding; Google's placeholder for a lost one.
    [
      'generateContent',
      '{"contents":[{"parts":[{"thoughtSignature":"c2ln+/8="},{"thoughtSignature":"c2ln-_8"}]}]}',
    ],
    ['generateContent', '{"contents":[{"parts":[{"thoughtSignature":"skip_thought_signature_validator"}]}]}'],
  ])('accepts what Google reads: %s %s', (method, text) => {
    expect(problem(method, text)).toBeUndefined();
  });
});
