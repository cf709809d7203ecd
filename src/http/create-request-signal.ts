import type { FastifyReply } from 'fastify';

/** Aborts when the client goes away before its answer is complete, so the upstream call stops too. */
export function createRequestSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
