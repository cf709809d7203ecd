import type { FastifyReply } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { LogSink } from '../core/log-sink.js';
import type { RelayCall, RelayResult } from '../relay/relay-call.js';

/** Records one client request in the request log, once its answer is over. */
export function logRelayedRequest(
  log: LogSink,
  clock: Clock,
  reply: FastifyReply,
  call: Pick<RelayCall, 'route' | 'model' | 'stream'>,
  result: RelayResult,
  status: number,
  success: boolean,
): void {
  log.request({
    createdAt: clock.now(),
    route: call.route,
    model: call.model,
    keyId: 'key' in result && result.key ? result.key.id : null,
    status,
    success,
    latencyMs: reply.elapsedTime,
    attempts: result.attempts,
    stream: call.stream,
  });
}
