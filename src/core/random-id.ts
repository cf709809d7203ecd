import { randomBytes } from 'node:crypto';

// Ids for completions and tool calls must be unique, not secret, and one is made per request:
// drawing random bytes from a pool refilled 4 KiB at a time costs a fraction of a randomBytes()
// call each (measured at tens of microseconds a call on this VM).
let pool = Buffer.alloc(0);
let offset = 0;

/** A random id of `bytes` random bytes, base64url-encoded (12 characters by default). */
export function randomId(bytes = 9): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return id;
}
