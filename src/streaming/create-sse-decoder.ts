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
      if (data.length > 0) events.push(data.join('\n'));
      data = [];
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
    for (let index = 0; index < buffer.length; index++) {
      const code = buffer.charCodeAt(index);
      if (code !== 10 && code !== 13) continue;
      // A CR at the end of what has arrived may be the first half of a CRLF.
      if (code === 13 && index === buffer.length - 1 && !final) break;
      takeLine(buffer.slice(start, index), events);
      if (code === 13 && buffer.charCodeAt(index + 1) === 10) index++;
      start = index + 1;
    }
    buffer = buffer.slice(start);
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
