import type { FastifyReply } from 'fastify';
import { createSecretScrubber } from '../core/redact-secrets.js';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import type { RelayResult } from '../relay/relay-call.js';
import { createBraceSplitter } from '../streaming/create-brace-splitter.js';
import { createEventSplitter } from '../streaming/create-event-splitter.js';
import { describeStreamBreak } from '../upstream/gemini-client.js';
import { cutResponse, type OpenStreams } from './open-streams.js';

type StreamResult = Extract<RelayResult, { kind: 'stream' }>;

export interface StreamEnd {
  /** Undefined when the stream completed. */
  readonly failure?: { readonly cause: 'timeout' | 'connection'; readonly message: string };
  readonly clientClosed: boolean;
}

/**
 * Pipes an upstream stream to the client with backpressure, in whole events (SSE) or objects (a
 * JSON array), none of which carries a key. Once the first byte is out nothing can be retried, so an upstream failure ends an SSE stream with an in-band error event (which
 * `@google/genai` raises as an ApiError); a JSON-array stream is cut, which its parser reports.
 */
export function sendGeminiStream(
  reply: FastifyReply,
  result: StreamResult,
  sse: boolean,
  onEnd: (end: StreamEnd) => void,
  openStreams: OpenStreams,
): void {
  reply.hijack();
  const raw = reply.raw;
  const upstream = result.rest;
  const splitter = sse ? createEventSplitter() : createBraceSplitter();
  // Google's in-band error can quote the key, and a broken or hostile upstream can send any key in
  // any spelling: each whole piece is checked with a few indexOf calls, and the rare hit scrubbed.
  const scrubber = createSecretScrubber(result.key.secret);
  let ended = false;
  const finish = (end: StreamEnd) => {
    if (ended) return;
    ended = true;
    onEnd(end);
  };

  // Chunks that arrive in one turn of the event loop leave in one write: the socket is corked at
  // the first and uncorked once this turn's I/O is done. Each write is a syscall and, with chunked
  // encoding, three buffers; coalescing them was a large share of the stream path's CPU.
  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  const resume = () => upstream.resume();
  const write = (chunk: Buffer) => {
    const piece = splitter.push(chunk);
    if (!piece) return;
    const whole = scrubber.bytes(piece);
    if (!corked) {
      corked = true;
      raw.cork();
      setImmediate(uncork);
    }
    if (!raw.write(whole)) {
      upstream.pause();
      raw.once('drain', resume);
    }
  };

  raw.once('close', () => {
    if (raw.writableFinished) return;
    // The client went away: stop the upstream generation rather than let it run unread.
    upstream.cancel();
    finish({ clientClosed: true });
  });
  // A shutdown past its deadline: the upstream stops first, so no chunk can follow the error.
  const untrack = openStreams.track((reason) => {
    upstream.cancel();
    const event = createGeminiErrorBody(reason.status, reason.message);
    cutResponse(raw, sse ? `data: ${JSON.stringify(event)}\r\n\r\n` : undefined);
  });
  raw.once('close', untrack);
  raw.writeHead(result.status, { 'content-type': result.contentType, 'cache-control': 'no-cache' });
  write(result.first);
  upstream.pipe({
    data: write,
    end() {
      const rest = splitter.remainder();
      raw.end(rest && scrubber.bytes(rest));
      finish({ clientClosed: false });
    },
    error(error) {
      const broken = describeStreamBreak(error);
      if (!broken) return;
      // The in-band error, then an abnormal end: a client must not take the truncated answer for a
      // complete one. A JSON array has no in-band error; its reset is the signal.
      cutResponse(
        raw,
        sse
          ? `data: ${JSON.stringify(createGeminiErrorBody(broken.status, broken.message))}\r\n\r\n`
          : undefined,
      );
      finish({ failure: broken, clientClosed: false });
    },
  });
}
