import { connect } from 'node:net';

/** One raw HTTP/1.1 exchange, for bytes fetch refuses to send; resolves with the whole answer. */
export function rawExchange(url: string, bytes: string | Buffer, timeoutMs = 10_000): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('no answer in time')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close as soon as it answered, before it read all we sent.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      reject(error);
    });
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Status and JSON body of a raw answer (the gateway's errors carry a Content-Length). */
export function parseRawAnswer(answer: Buffer): { status: number; body: unknown } {
  const text = answer.toString('utf8');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
  try {
    return { status, body: JSON.parse(bodyText) };
  } catch {
    return { status, body: bodyText };
  }
}
