import { createServer, type Socket, connect as tcpConnect } from 'node:net';

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: the target's address as clients should use it. */
  readonly url: string;
  /**
   * Every byte the target sent to clients, one connection after another (a connection's bytes stay
   * contiguous, so a secret split over two TCP segments is still found whole). Stops at `maxBytes`.
   */
  recorded(): { text: string; droppedBytes: number };
  /** Stops listening and ends every connection still open (call after the target closed). */
  close(): Promise<void>;
}

/**
 * A TCP relay in front of `target` that records what the target answers, for the secret scan.
 * It must not change what either side sees: half-closes, resets and destroys travel through in
 * both directions, because tests prove that a client's disconnect aborts the upstream call.
 */
export async function startRecordingProxy(
  target: { host: string; port: number },
  maxBytes: number,
): Promise<RecordingProxy> {
  const connections: Buffer[][] = [];
  const open = new Set<Socket>();
  let recordedBytes = 0;
  let droppedBytes = 0;

  // allowHalfOpen: a client that ends its side after the request still gets the whole answer.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = tcpConnect({ ...target, allowHalfOpen: true, noDelay: true });
    const chunks: Buffer[] = [];
    connections.push(chunks);
    open.add(client);
    open.add(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const room = maxBytes - recordedBytes;
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(room, 0));
      if (kept.length > 0) chunks.push(kept);
      recordedBytes += kept.length;
      droppedBytes += chunk.length - kept.length;
    });
    // pipe carries data with backpressure and turns an orderly end (FIN) into end() on the other side.
    client.pipe(upstream);
    upstream.pipe(client);
    relayReset(client, upstream);
    relayReset(upstream, client);
    client.on('close', () => open.delete(client));
    upstream.on('close', () => open.delete(upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('recording proxy has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    recorded: () => ({
      text: connections.map((chunks) => Buffer.concat(chunks).toString('latin1')).join('\n'),
      droppedBytes,
    }),
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What pipe does not carry: a side that was reset is reset on the other side too. A side destroyed
 * or ended in order needs nothing more: its FIN reached the proxy, and pipe sent the end on, after
 * every byte still queued for the other side.
 */
function relayReset(from: Socket, to: Socket): void {
  // Errors surface as a close with hadError; without a listener they would crash the test worker.
  from.on('error', () => {});
  from.on('close', (hadError) => {
    if (hadError && !to.destroyed) to.resetAndDestroy();
  });
}
