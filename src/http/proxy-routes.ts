import type { FastifyInstance } from 'fastify';
import type { ProxyCheck } from '../upstream/check-outbound-proxies.js';
import type { ProxyState } from '../upstream/proxy-rests.js';

export interface ProxyRouteOptions {
  /** Tries each proxy of PROXIES in force (the live runtime's `checkProxies`). */
  readonly check: () => Promise<readonly ProxyCheck[]>;
  /** Each proxy of PROXIES in force and its rest (the live runtime's `proxyStates`). */
  readonly states: () => readonly ProxyState[];
}

/**
 * The outbound proxies, each named `scheme://host:port`, never with its credentials; no proxies
 * configured: an empty list.
 * - `GET /api/proxies`: `{proxies: [{proxy, rest: null | {since, until, keys, reason}}]}`, a proxy
 *   resting after Google rate-limited several keys through it at once.
 * - `POST /api/proxies/check`: each tried now, through it to BASE_URL's origin with no key:
 *   `{proxies: [{proxy, ok: true, ms, status} | {proxy, ok: false, error}]}`.
 */
export async function proxyRoutes(app: FastifyInstance, { check, states }: ProxyRouteOptions): Promise<void> {
  app.get('/api/proxies', async () => ({ proxies: states() }));
  app.post('/api/proxies/check', async () => ({ proxies: await check() }));
}
