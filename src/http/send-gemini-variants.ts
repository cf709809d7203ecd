import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import type { GeminiResponse } from '../protocols/gemini/gemini-types.js';
import { parseGeminiStreamEvent } from '../protocols/gemini/parse-gemini-stream-event.js';
import type { RelayResult } from '../relay/relay-call.js';
import { createSseDecoder } from '../streaming/create-sse-decoder.js';
import { planTextPieces, type StreamOptimizerSettings } from '../streaming/plan-text-pieces.js';
import { describeStreamBreak } from '../upstream/gemini-client.js';
import { createSseWriter } from './create-sse-writer.js';
import type { OpenStreams, StreamCut } from './open-streams.js';
import type { StreamEnd } from './send-gemini-stream.js';

// The native API's two stream variants from gemini-balance: fake streaming and the paced stream
// optimizer. Both keep Google's framing: SSE events `data: {json}` with CRLF CRLF.

const eventOf = (value: unknown) => `data: ${JSON.stringify(value)}\r\n\r\n`;
/** A stream cut at shutdown ends with Gemini's error event; a JSON array is reset, which its parser reports. */
const cutEvent = (sse: boolean) => (reason: StreamCut) =>
  sse ? eventOf(createGeminiErrorBody(reason.status, reason.message)) : undefined;

/**
 * FAKE_STREAM_ENABLED for streamGenerateContent: the client gets its stream headers at once and a
 * keep-alive (an SSE comment, or JSON whitespace for the array framing) every interval while the
 * gateway waits for the whole answer from a non-streaming call, then that answer as the stream.
 */
export async function sendGeminiFakeStream(
  reply: FastifyReply,
  sse: boolean,
  intervalSeconds: number,
  answer: () => Promise<RelayResult>,
  openStreams: OpenStreams,
): Promise<RelayResult> {
  const writer = createSseWriter(reply, sse ? 'text/event-stream' : 'application/json; charset=UTF-8', {
    openStreams,
    event: cutEvent(sse),
  });
  const keepAlive = sse ? ': keep-alive\r\n\r\n' : ' \n';
  writer.write(keepAlive);
  const timer = setInterval(() => writer.write(keepAlive), intervalSeconds * 1000);
  let result: RelayResult;
  try {
    result = await answer();
  } finally {
    clearInterval(timer);
  }
  if (result.kind === 'complete') {
    const response: unknown = JSON.parse(result.body.toString('utf8'));
    writer.end(sse ? eventOf(response) : `[${JSON.stringify(response)}]`);
  } else if (result.kind === 'failed') {
    const error = errorEventOf(result);
    writer.end(sse ? eventOf(error) : `[${JSON.stringify(error)}]`);
  } else {
    writer.end();
  }
  return result;
}

/**
 * Google's error body as it came (with its RetryInfo and other details), or, when it is not JSON —
 * a proxy's HTML page — one rebuilt from what was read of it.
 */
function errorEventOf(failure: Extract<RelayResult, { kind: 'failed' }>): unknown {
  try {
    const body: unknown = JSON.parse(failure.body);
    if (body !== null && typeof body === 'object') return body;
  } catch {
    // Rebuilt below.
  }
  return createGeminiErrorBody(failure.status, failure.error.message);
}

/** How a paced stream ended: as StreamEnd, or cut at an event nobody could read (its message). */
export interface PacedStreamEnd extends StreamEnd {
  readonly malformed?: string;
}

/** A Gemini chunk whose one text part is long enough to pace; others pass as they are. */
function pacedText(response: GeminiResponse): string | undefined {
  const parts = response.candidates?.length === 1 ? response.candidates[0]?.content?.parts : undefined;
  const [part] = parts ?? [];
  return parts?.length === 1 && typeof part?.text === 'string' && !part.thought ? part.text : undefined;
}

/**
 * STREAM_OPTIMIZER_ENABLED for native SSE streams: each chunk's text is re-cut into small pieces
 * sent with short pauses, every piece a complete Gemini chunk (usage, ids and finishReason kept).
 */
export function sendPacedGeminiStream(
  reply: FastifyReply,
  result: Extract<RelayResult, { kind: 'stream' }>,
  optimizer: StreamOptimizerSettings,
  onEnd: (end: PacedStreamEnd) => void,
  openStreams: OpenStreams,
): void {
  const writer = createSseWriter(reply, 'text/event-stream', { openStreams, event: cutEvent(true) });
  const decoder = createSseDecoder();
  const upstream = result.rest;
  let queue = Promise.resolve();
  let ended = false;
  const finish = (end: PacedStreamEnd) => {
    if (ended) return;
    ended = true;
    onEnd(end);
  };
  /** Ends the stream early with an in-band error; nothing after it is read or sent. */
  const stop = (status: number, message: string, end: PacedStreamEnd) => {
    if (ended) return;
    upstream.cancel();
    writer.fail(eventOf(createGeminiErrorBody(status, message)));
    finish(end);
  };

  async function emit(events: string[]) {
    for (const data of events) {
      if (ended) return;
      const event = parseGeminiStreamEvent(data);
      if (event.kind === 'error') {
        // Google's own error passes as Google sent it; an event nobody can read ends the stream.
        if (!event.malformed) writer.write(`data: ${data}\r\n\r\n`);
        else stop(event.status, event.message, { clientClosed: false, malformed: event.message });
        continue;
      }
      const response = event.response;
      const text = pacedText(response);
      if (text === undefined) {
        writer.write(eventOf(response));
        continue;
      }
      const candidate = response.candidates?.[0];
      for (const piece of planTextPieces(text, optimizer)) {
        const parts = [{ ...candidate?.content?.parts?.[0], text: piece.text }];
        writer.write(
          eventOf({ ...response, candidates: [{ ...candidate, content: { ...candidate?.content, parts } }] }),
        );
        await writer.drained();
        if (writer.closed) return;
        await delay(piece.delayMs);
      }
    }
  }
  // A fault of the gateway's own while pacing ends this stream, never the process.
  const fault = (error: unknown) => {
    reply.log.error({ err: error }, 'could not pace a Gemini stream');
    stop(500, 'The gateway could not pace the stream; the answer is incomplete.', { clientClosed: false });
  };
  const push = (events: string[]) => {
    upstream.pause();
    queue = queue
      .then(() => emit(events))
      .then(() => {
        if (!ended) upstream.resume();
      })
      .catch(fault);
  };

  writer.onClose(() => {
    upstream.cancel();
    finish({ clientClosed: true });
  });
  push(decoder.push(result.first));
  upstream.pipe({
    data: (chunk) => {
      if (!ended) push(decoder.push(chunk));
    },
    end: () => {
      if (ended) return;
      push(decoder.end());
      void queue.then(() => {
        if (ended) return;
        writer.end();
        finish({ clientClosed: false });
      });
    },
    error: (error) => {
      const broken = describeStreamBreak(error);
      if (!broken || ended) return;
      void queue.then(() => stop(broken.status, broken.message, { failure: broken, clientClosed: false }));
    },
  });
}
