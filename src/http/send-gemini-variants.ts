import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';
import type { GeminiResponse } from '../protocols/gemini/gemini-types.js';
import type { RelayResult } from '../relay/relay-call.js';
import { createSseDecoder } from '../streaming/create-sse-decoder.js';
import { planTextPieces, type StreamOptimizerSettings } from '../streaming/plan-text-pieces.js';
import { describeStreamBreak } from '../upstream/gemini-client.js';
import { createSseWriter } from './create-sse-writer.js';

// The native API's two stream variants from gemini-balance: fake streaming and the paced stream
// optimizer. Both keep Google's framing: SSE events `data: {json}` with CRLF CRLF.

const eventOf = (value: unknown) => `data: ${JSON.stringify(value)}\r\n\r\n`;

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
): Promise<RelayResult> {
  const writer = createSseWriter(reply, sse ? 'text/event-stream' : 'application/json; charset=UTF-8');
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
    const error = JSON.parse(result.body) as unknown;
    writer.end(sse ? eventOf(error) : `[${JSON.stringify(error)}]`);
  } else {
    writer.end();
  }
  return result;
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
  onEnd: (failure?: { cause: 'timeout' | 'connection'; message: string }, clientClosed?: boolean) => void,
): void {
  const writer = createSseWriter(reply, 'text/event-stream');
  const decoder = createSseDecoder();
  const upstream = result.rest;
  let queue = Promise.resolve();
  let ended = false;
  const finish = (failure?: { cause: 'timeout' | 'connection'; message: string }, clientClosed = false) => {
    if (ended) return;
    ended = true;
    onEnd(failure, clientClosed);
  };

  async function emit(events: string[]) {
    for (const data of events) {
      const response = JSON.parse(data) as GeminiResponse;
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
  const push = (events: string[]) => {
    upstream.pause();
    queue = queue.then(() => emit(events)).then(() => upstream.resume());
  };

  writer.onClose(() => {
    upstream.cancel();
    finish(undefined, true);
  });
  push(decoder.push(result.first));
  upstream.pipe({
    data: (chunk) => push(decoder.push(chunk)),
    end: () => {
      push(decoder.end());
      void queue.then(() => {
        writer.end();
        finish();
      });
    },
    error: (error) => {
      const broken = describeStreamBreak(error);
      if (!broken) return;
      void queue.then(() => {
        writer.end(eventOf(createGeminiErrorBody(broken.status, broken.message)));
        finish(broken);
      });
    },
  });
}
