import { describe, expect, it } from 'vitest';
import { createSseDecoder } from './create-sse-decoder.js';

function decodeSplit(text: string, cuts: number[]): string[] {
  const decoder = createSseDecoder();
  const bytes = Buffer.from(text);
  const events: string[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...decoder.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return [...events, ...decoder.end()];
}

const cases: [string, string, string[]][] = [
  ['CRLF framing (Google)', 'data: {"a":1}\r\n\r\ndata: {"b":"☀"}\r\n\r\n', ['{"a":1}', '{"b":"☀"}']],
  ['LF framing', 'data: {"a":1}\n\ndata: [DONE]\n\n', ['{"a":1}', '[DONE]']],
  ['CR framing', 'data: x\r\rdata: y\r\r', ['x', 'y']],
  [
    'comments, other fields, multi-line data',
    ': keep-alive\n\nevent: message\ndata: a\ndata: b\nid: 1\n\n',
    ['a\nb'],
  ],
  ['a last event without its blank line', 'data: {"a":1}\r\n\r\ndata: {"b":2}', ['{"a":1}', '{"b":2}']],
  ['no space after the colon', 'data:{"a":1}\n\n', ['{"a":1}']],
];

describe('createSseDecoder', () => {
  it.each(cases)('%s, whole', (_name, text, expected) => {
    expect(decodeSplit(text, [])).toEqual(expected);
  });

  it.each(cases)('%s, split at every byte boundary', (_name, text, expected) => {
    const length = Buffer.byteLength(text);
    for (let cut = 1; cut < length; cut++) expect(decodeSplit(text, [cut])).toEqual(expected);
    expect(
      decodeSplit(
        text,
        Array.from({ length: length - 1 }, (_, index) => index + 1),
      ),
    ).toEqual(expected);
  });
});
