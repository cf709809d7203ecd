import { describe, expect, it } from 'vitest';
import { createEventSplitter } from './create-event-splitter.js';

const crlfStream = 'data: {"a":1}\r\n\r\ndata: {"b":"x\\r\\ny"}\r\n\r\ndata: {"c":3}\r\n\r\n';
const lfStream = 'data: {"a":1}\n\ndata: {"b":2}\n\n';

function feed(text: string, cuts: number[]): { out: string; remainder: string } {
  const splitter = createEventSplitter();
  const bytes = Buffer.from(text);
  let out = '';
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const whole = splitter.push(bytes.subarray(start, cut));
    if (whole) {
      // Everything released ends on an event boundary.
      expect(whole.toString()).toMatch(/(\r\n\r\n|\n\n)$/);
      out += whole.toString();
    }
    start = cut;
  }
  return { out, remainder: splitter.remainder()?.toString() ?? '' };
}

describe('createEventSplitter', () => {
  it.each([
    ['CRLF', crlfStream],
    ['LF', lfStream],
  ])('passes a %s stream through unchanged when split at every byte boundary', (_name, text) => {
    for (let cut = 1; cut < Buffer.byteLength(text); cut++) {
      expect(feed(text, [cut])).toEqual({ out: text, remainder: '' });
    }
    const everyByte = Array.from({ length: Buffer.byteLength(text) - 1 }, (_, index) => index + 1);
    expect(feed(text, everyByte)).toEqual({ out: text, remainder: '' });
  });

  it('holds back a torn event', () => {
    const torn = `${crlfStream}data: {"d":`;
    expect(feed(torn, [10, 40])).toEqual({ out: crlfStream, remainder: 'data: {"d":' });
  });

  it('keeps multi-byte characters whole across cuts', () => {
    const text = 'data: {"t":"héllo ☀"}\r\n\r\n';
    for (let cut = 1; cut < Buffer.byteLength(text); cut++) expect(feed(text, [cut]).out).toBe(text);
  });
});
