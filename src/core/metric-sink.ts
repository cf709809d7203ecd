import type { AttemptRecord } from './attempt-trace.js';

/**
 * Where the request path reports what the metrics count (observability/create-gateway-metrics.ts).
 * Each call is a few counter increments on label children resolved once: never an allocation of
 * labels per request, never I/O. Models and routes are passed as the request has them; the sink
 * bounds them, since a client chooses its model names.
 */
export interface MetricSink {
  /**
   * An upstream call ended, `ms` after it was made: its outcome class (`ok`, `quota-minute`, …).
   * `firstByte`: a stream that answered, reported at its first chunk; its end comes by `streamEnded`.
   */
  attempted(model: string | null, stream: boolean, outcome: string, ms: number, firstByte: boolean): void;
  /** A streamed upstream answer ended (or broke off), `ms` after its call was made. */
  streamEnded(model: string | null, ms: number): void;
  /** No key could serve a request, and it was answered so (the pool's `none` reason). */
  poolExhausted(reason: string): void;
  /** An outbound proxy began to rest after Google rate-limited its address (PROXY_RATE_LIMIT_KEYS). */
  proxyRested(): void;
  /** A client request was answered (once, as it is logged): its route, model, status and attempts. */
  requested(route: string, model: string | null, status: number, trace: readonly AttemptRecord[]): void;
}

/** A sink that counts nothing, for code run without metrics. */
export const noMetrics: MetricSink = {
  attempted: () => {},
  streamEnded: () => {},
  poolExhausted: () => {},
  proxyRested: () => {},
  requested: () => {},
};
