import type { FastifyInstance } from 'fastify';
import { type AdminToken, isAdminToken } from '../core/admin-token.js';
import type { KeyPool } from '../keypool/key-pool.js';
import { extractBearer } from './client-auth.js';

export interface HealthRouteOptions {
  readonly pool: Pick<KeyPool, 'size' | 'usableCount'>;
  readonly admin: AdminToken;
}

/**
 * `GET /health`: liveness for anyone; the pool's key counts only for the admin token
 * (`Authorization: Bearer AUTH_TOKEN`), since how many keys are left usable tells an outsider when
 * an attack on the pool is working.
 */
export async function healthRoute(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  app.get('/health', async (request) => {
    if (!isAdminToken(options.admin, extractBearer(request.headers.authorization))) return { status: 'ok' };
    return { status: 'ok', keys: { configured: options.pool.size, usable: options.pool.usableCount() } };
  });
}
