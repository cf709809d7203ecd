import { describe, expect, it } from 'vitest';
import { createBraceSplitter } from './create-brace-splitter.js';

const stream = '[{"a":{"b":1}}\r\n,{"text":"AIza-not-a-key"}\r\n,{"c":3}]';

describe('createBraceSplitter', () => {
  it('passes a stream through unchanged, every piece ending on a `}`, split at every byte', () => {
    const bytes = Buffer.from(stream);
    for (let cut = 1; cut < bytes.length; cut++) {
      const splitter = createBraceSplitter();
      const pieces = [splitter.push(bytes.subarray(0, cut)), splitter.push(bytes.subarray(cut))]
        .filter((piece) => piece !== undefined)
        .map(String);
      for (const piece of pieces) expect(piece.endsWith('}')).toBe(true);
      expect(pieces.join('') + String(splitter.remainder() ?? '')).toBe(stream);
      // A run without `}` (where a key would be) is never torn between pieces.
      expect(pieces.some((piece) => piece.includes('AIza-not-a-key'))).toBe(true);
    }
  });

  it('releases a whole chunk that ends on an object at once', () => {
    const splitter = createBraceSplitter();
    expect(String(splitter.push(Buffer.from('[{"a":1}')))).toBe('[{"a":1}');
    expect(splitter.remainder()).toBeUndefined();
  });

  it('bounds what it holds when no `}` comes', () => {
    const splitter = createBraceSplitter();
    const released = splitter.push(Buffer.alloc(2 * 1024 * 1024, 0x61));
    expect(released?.length).toBe(2 * 1024 * 1024 - 4096);
    expect(splitter.remainder()?.length).toBe(4096);
  });
});
