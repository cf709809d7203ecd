import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { redactedPath } from '../core/redact-url.js';
import { DebugRequestLog } from './debug-request-log.js';
import { type MetricsRouteOptions, metricsRoute } from './metrics-route.js';

/**
 * The server of METRICS_PORT: `GET /metrics` without auth, for a Prometheus on a network the
 * operator trusts (the port is bound to HOST like the gateway's), and nothing else.
 */
export async function createMetricsApp(
  logger: FastifyBaseLogger,
  options: MetricsRouteOptions,
): Promise<FastifyInstance> {
  // A scrape every few seconds: its request lines at debug level, as the gateway's own.
  const app = Fastify({ loggerInstance: logger, logController: new DebugRequestLog() });
  await app.register(metricsRoute, options);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 404, message: `No route for ${request.method} ${redactedPath(request.url)}.` },
    }),
  );
  return app;
}
