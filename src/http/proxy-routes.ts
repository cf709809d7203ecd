import type { FastifyInstance } from 'fastify';
import type { ProxyCheck } from '../upstream/check-outbound-proxies.js';

export interface ProxyRouteOptions {
  /** Tries each proxy of PROXIES in force (the live runtime's `checkProxies`). */
  readonly check: () => Promise<readonly ProxyCheck[]>;
}

/**
 * `POST /api/proxies/check`: each outbound proxy tried now, through it to BASE_URL's origin with no
 * key: `{proxies: [{proxy, ok: true, ms, status} | {proxy, ok: false, error}]}`, each proxy named
 * `scheme://host:port`, never with its credentials. No proxies configured: an empty list.
 */
export async function proxyRoutes(app: FastifyInstance, { check }: ProxyRouteOptions): Promise<void> {
  app.post('/api/proxies/check', async () => ({ proxies: await check() }));
}
