import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { KeyPool } from '../keypool/key-pool.js';
import { summarizePool } from '../keypool/summarize-pool.js';

export interface PoolRouteOptions {
  readonly pool: KeyPool;
  readonly clock: Clock;
}

/** `GET /api/pool`: the pool's health now (keys per state, rests per model, switched-off keys by reason). */
export async function poolRoutes(app: FastifyInstance, { pool, clock }: PoolRouteOptions): Promise<void> {
  app.get('/api/pool', async () => {
    const nowMs = clock.now();
    const summary = summarizePool(pool.rows(), nowMs);
    return {
      at: new Date(nowMs).toISOString(),
      counts: summary.counts,
      resting: summary.resting.map(({ nextBackAtMs, ...rest }) => ({
        ...rest,
        nextBackAt: new Date(nextBackAtMs).toISOString(),
      })),
      switchedOff: summary.switchedOff,
    };
  });
}
