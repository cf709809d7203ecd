/**
 * How deep the JSON the gateway parses itself may nest. Real requests (JSON Schemas of tools
 * included) stay far below; without a bound, a body of 100 000 nested arrays parses fine and then
 * overflows the stack of whatever walks or serializes it.
 */
export const maxJsonDepth = 256;

const quote = 0x22;
const backslash = 0x5c;

/**
 * Whether JSON text nests objects and arrays deeper than `limit`. A scan of the bytes, not a parse:
 * it skips string contents with indexOf, so a body of megabytes of base64 costs little.
 */
export function exceedsJsonDepth(bytes: Buffer, limit = maxJsonDepth): boolean {
  let depth = 0;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === quote) {
      index = closingQuote(bytes, index + 1);
      if (index === -1) return false;
    } else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

/** The index of the quote that closes a string starting at `from`, or -1. */
function closingQuote(bytes: Buffer, from: number): number {
  let at = bytes.indexOf(quote, from);
  while (at !== -1) {
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === backslash) backslashes += 1;
    if (backslashes % 2 === 0) return at;
    at = bytes.indexOf(quote, at + 1);
  }
  return -1;
}
