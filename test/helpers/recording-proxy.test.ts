import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy.js';

// The proxy sits in front of every gateway of the integration tests; these tests prove that
// neither side can tell it is there, apart from the recording.

let server: Server;
let proxy: RecordingProxy;

async function startBehindProxy(maxBytes = 1024): Promise<void> {
  server = createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  proxy = await startRecordingProxy({ host: '127.0.0.1', port: address.port }, maxBytes);
}

/** A client connected through the proxy, and the socket the target accepted for it. */
async function connectClient(): Promise<{ client: Socket; target: Socket }> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const { port } = new URL(proxy.url);
  const client = tcpConnect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true });
  const [[target]] = await Promise.all([accepted, once(client, 'connect')]);
  return { client, target };
}

async function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'end');
  return Buffer.concat(chunks).toString();
}

/** How a socket ended: `end` for an orderly FIN, or the error code of a reset. */
function howItEnds(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.on('end', () => resolve('end'));
    socket.resume();
  });
}

afterEach(async () => {
  await proxy.close();
  server.close();
});

describe('the recording proxy', () => {
  it('lets a client end its side and still read the whole answer', async () => {
    await startBehindProxy();
    const { client, target } = await connectClient();
    client.end('question');
    expect(await readAll(target)).toBe('question');
    target.end('answer after the client’s end');
    expect(await readAll(client)).toBe('answer after the client’s end');
  });

  it('lets the target end its side and still read what the client sends', async () => {
    await startBehindProxy();
    const { client, target } = await connectClient();
    target.end('early answer');
    expect(await readAll(client)).toBe('early answer');
    client.end('late words');
    expect(await readAll(target)).toBe('late words');
  });

  it('resets the target when the client resets, and the client when the target resets', async () => {
    await startBehindProxy();
    const { client, target } = await connectClient();
    const targetEnd = howItEnds(target);
    client.resetAndDestroy();
    expect(await targetEnd).toBe('ECONNRESET');

    const second = await connectClient();
    const clientEnd = howItEnds(second.client);
    second.target.resetAndDestroy();
    expect(await clientEnd).toBe('ECONNRESET');
  });

  it('ends the other side when one side is destroyed', async () => {
    await startBehindProxy();
    const { client, target } = await connectClient();
    const targetEnd = howItEnds(target);
    client.destroy();
    expect(await targetEnd).toBe('end');
    expect(target.readableEnded).toBe(true);
  });

  it('records what the target sends, connection by connection, up to its cap', async () => {
    await startBehindProxy(10);
    const { client, target } = await connectClient();
    client.write('not recorded');
    target.end('0123456789abcdef');
    expect(await readAll(client)).toBe('0123456789abcdef');
    expect(proxy.recorded()).toEqual({ text: '0123456789', droppedBytes: 6 });
  });
});
