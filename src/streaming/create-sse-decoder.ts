import { StringDecoder } from 'node:string_decoder';

export interface SseDecoder {
  /** Takes the next network chunk; returns the data of every event it completed. */
  push(chunk: Buffer): string[];
  /** The data of a last event the stream ended without closing. */
  end(): string[];
}

/**
 * Server-sent events → their data fields (multi-line data joined with \n, comments and other fields
 * ignored). Lines may end in CRLF, LF or CR, and any byte — a separator or a multi-byte character —
 * may fall across chunks (PROTOCOLS.md §1.3).
 */
export function createSseDecoder(): SseDecoder {
  const text = new StringDecoder('utf8');
  let buffer = '';
  let data: string[] = [];

  function takeLine(line: string, events: string[]): void {
    if (line === '') {
      if (data.length > 0) events.push(data.length === 1 ? (data[0] as string) : data.join('\n'));
      data = [];
      return;
    }
    // Nearly every line Google sends: one event's whole data.
    if (line.startsWith('data: ')) {
      data.push(line.slice(6));
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    data.push(value);
  }

  function drain(final: boolean): string[] {
    const events: string[] = [];
    let start = 0;
    // The next LF and CR at or after `start`, found with indexOf (native) and kept until passed:
    // -1 once there is none left, -2 before the first search.
    let lf = -2;
    let cr = -2;
    for (;;) {
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) break;
      // A CR at the end of what has arrived may be the first half of a CRLF.
      if (end === cr && end === buffer.length - 1 && !final) break;
      takeLine(buffer.slice(start, end), events);
      start = end + 1;
      if (end === cr && buffer.charCodeAt(start) === 10) start++;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    return events;
  }

  return {
    push(chunk) {
      buffer += text.write(chunk);
      return drain(false);
    },
    end() {
      buffer += text.end();
      const events = drain(true);
      if (buffer !== '') takeLine(buffer, events);
      buffer = '';
      takeLine('', events);
      return events;
    },
  };
}
