import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the hostile upstream does with one generation call. */
export type HostileAnswer =
  /** A status (200 unless given) and these raw body pieces, written one by one, then the end. */
  | {
      readonly kind: 'pieces';
      readonly status?: number;
      readonly contentType: string;
      readonly pieces: readonly string[];
    }
  /** The first pieces, then the connection is destroyed. */
  | { readonly kind: 'reset-after'; readonly contentType: string; readonly pieces: readonly string[] };

export interface HostileUpstream {
  readonly url: string;
  /** Generation calls answered so far (probes and model reads are not counted). */
  readonly generationCalls: number;
  close(): Promise<void>;
}

/** A Gemini chunk as Google streams it. */
export function geminiChunk(text: string, finish = false): string {
  return JSON.stringify({
    candidates: [
      {
        content: { parts: [{ text }], role: 'model' },
        ...(finish ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'hostile',
  });
}

export const sseEvent = (data: string) => `data: ${data}\r\n\r\n`;

/**
 * An upstream that speaks Google's framing but sends what a test tells it to: a relay at BASE_URL
 * that breaks, or a hostile one. Model reads (the pool's probes) are answered as Google would.
 * `answer` also gets the request's body, for a plan that depends on it (`"stream": true`).
 */
export async function startHostileUpstream(
  answer: (request: IncomingMessage, body: Buffer) => HostileAnswer,
): Promise<HostileUpstream> {
  let generationCalls = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        response.end(JSON.stringify({ name: 'models/gemini-2.5-flash-lite', displayName: 'probe' }));
        return;
      }
      generationCalls += 1;
      const planned = answer(request, Buffer.concat(chunks));
      const status = planned.kind === 'pieces' ? (planned.status ?? 200) : 200;
      response.writeHead(status, { 'content-type': planned.contentType });
      for (const piece of planned.pieces) response.write(piece);
      if (planned.kind === 'pieces') response.end();
      else setTimeout(() => response.socket?.destroy(), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get generationCalls() {
      return generationCalls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
