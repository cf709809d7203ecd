import type { FastifyReply } from 'fastify';
import { Cancellation } from '../core/cancellation.js';

/** Cancels when the client goes away before its answer is complete, so the upstream call stops too. */
export function createRequestSignal(reply: FastifyReply): Cancellation {
  const cancellation = new Cancellation();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) cancellation.cancel();
  });
  return cancellation;
}
