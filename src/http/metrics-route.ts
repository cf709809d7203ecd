import type { FastifyInstance } from 'fastify';

export interface MetricsRouteOptions {
  /** Every metric in Prometheus's text format (observability/create-gateway-metrics.ts). */
  readonly scrape: () => Promise<string>;
  readonly contentType: string;
}

/**
 * `GET /metrics`: the Prometheus text. Who may read it is decided where it is registered: behind
 * the operator API's guard on PORT, or on a METRICS_PORT of its own (createMetricsApp).
 */
export async function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const text = await options.scrape();
    return reply.header('content-type', options.contentType).header('cache-control', 'no-store').send(text);
  });
}
