import { describe, expect, it } from 'vitest';
import { findKeysInText, maxMalformedReported } from './find-keys-in-text.js';

const key = (fill: string) => `AIza${fill.repeat(35).slice(0, 35)}`;
const a = key('a1');
const b = key('B-');
const c = key('c_');

describe('findKeysInText', () => {
  it('finds keys in JSON, comma lists, quotes and prose, each once, with their lines', () => {
    const text = [`API_KEYS=["${a}","${b}"]`, `  ${c}, ${a}`, `my key is '${b}'.`, 'nothing here'].join('\n');
    expect(findKeysInText(text)).toEqual({
      keys: [a, b, c],
      lines: [1, 1, 2],
      duplicates: 2,
      malformed: [],
      malformedCount: 0,
    });
  });

  it('reports text that starts like a key but is not one, by line, without repeating it', () => {
    const text = `${a}\n${a.slice(0, 30)}\n${a}x\nAIza\n${b}`;
    const found = findKeysInText(text);
    expect(found.keys).toEqual([a, b]);
    expect(found.lines).toEqual([1, 5]);
    expect(found.malformed).toEqual([
      { line: 2, problem: 'starts like a Google API key but has 30 characters, not 39' },
      { line: 3, problem: 'starts like a Google API key but has 40 characters, not 39' },
      { line: 4, problem: 'starts like a Google API key but has 4 characters, not 39' },
    ]);
    expect(JSON.stringify(found.malformed)).not.toContain('AIza');
  });

  it('does not take a key out of a longer word', () => {
    expect(findKeysInText(`x${a} ${b}`).keys).toEqual([b]);
  });

  it('handles CRLF lines and empty text', () => {
    expect(findKeysInText(`one\r\ntwo\r\n${c}`).lines).toEqual([3]);
    expect(findKeysInText('')).toEqual({
      keys: [],
      lines: [],
      duplicates: 0,
      malformed: [],
      malformedCount: 0,
    });
  });

  it('reports at most maxMalformedReported places, and counts them all', () => {
    const found = findKeysInText(`${'AIzaShort\n'.repeat(250)}${a}`);
    expect(found.keys).toEqual([a]);
    expect(found.malformed).toHaveLength(maxMalformedReported);
    expect(found.malformed.at(-1)?.line).toBe(maxMalformedReported);
    expect(found.malformedCount).toBe(250);
  });
});
