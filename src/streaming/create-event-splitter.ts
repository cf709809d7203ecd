const lfLf = Buffer.from('\n\n');
const crLfCrLf = Buffer.from('\r\n\r\n');
const crCr = Buffer.from('\r\r');

/** End offset of the last complete server-sent event in `data`, or 0 when there is none. */
function lastEventEnd(data: Buffer): number {
  const length = data.length;
  // The common case: a network chunk that ends exactly on an event boundary.
  if (length >= 2 && data[length - 1] === 0x0a && (data[length - 2] === 0x0a || isCrLfCrLf(data, length))) {
    return length;
  }
  const lf = data.lastIndexOf(lfLf);
  const crlf = data.lastIndexOf(crLfCrLf);
  const cr = data.lastIndexOf(crCr);
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4, cr === -1 ? 0 : cr + 2);
}

function isCrLfCrLf(data: Buffer, length: number): boolean {
  return length >= 4 && data[length - 2] === 0x0d && data[length - 3] === 0x0a && data[length - 4] === 0x0d;
}

export interface EventSplitter {
  /** Takes the next network chunk; returns the bytes that end on an event boundary (possibly none). */
  push(chunk: Buffer): Buffer | undefined;
  /** Bytes of an event not yet complete. */
  remainder(): Buffer | undefined;
}

/**
 * Passes server-sent events through byte for byte but only whole: an event torn by a dropped
 * connection is held back, so an in-band error can follow on a clean boundary. Google separates
 * events with CRLF CRLF or LF LF, and a separator may be split across chunks (PROTOCOLS.md §1.3).
 */
export function createEventSplitter(): EventSplitter {
  let pending: Buffer | undefined;
  return {
    push(chunk) {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      const end = lastEventEnd(data);
      pending = end === data.length ? undefined : data.subarray(end);
      return end === 0 ? undefined : data.subarray(0, end);
    },
    remainder: () => pending,
  };
}
