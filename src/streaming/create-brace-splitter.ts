import type { EventSplitter } from './create-event-splitter.js';

const closingBrace = 0x7d;
/** Past this much without a `}`, all but the tail is released (an upstream that never closes one). */
const maxPendingBytes = 1024 * 1024;
/** Longer than any spelling of a key (39 characters, six bytes each as `\u00XX`). */
const keptTailBytes = 4096;

/**
 * Cuts a JSON-array stream (`[{…},{…}]`) after its last `}` so far, holding back the rest until
 * more arrives. A key in any spelling has no `}`, so each piece released holds every spelling it
 * has in one piece, where a scan can find it; Google's chunks end on an object's `}`, so nothing
 * waits but the closing `]`.
 */
export function createBraceSplitter(): EventSplitter {
  let pending: Buffer | undefined;
  return {
    push(chunk) {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      let end = data.lastIndexOf(closingBrace) + 1;
      if (end === 0 && data.length > maxPendingBytes) end = data.length - keptTailBytes;
      pending = end === data.length ? undefined : data.subarray(end);
      return end === 0 ? undefined : data.subarray(0, end);
    },
    remainder: () => pending,
  };
}
