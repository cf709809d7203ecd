import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { KeyPool, PoolKey } from '../keypool/key-pool.js';
import type { KeyState } from '../keypool/key-state.js';
import type { KeyProber, ProbeResult } from '../relay/create-key-prober.js';
import { parseAdminBody, parseAdminQuery } from './admin-input.js';
import { createRequestSignal } from './create-request-signal.js';
import { guardOperatorApi, type OperatorAuth, sendAdminError } from './operator-auth.js';

// gemini-balance's key maintenance routes, for the scripts written against it: thin aliases of the
// operator API's verify and clear-cooldown/enable, answered in gemini-balance's shapes. The seed
// left the /gemini ones open to anyone; here every one needs the admin token.

export interface SeedKeyRouteOptions {
  readonly pool: KeyPool;
  /** The prober in force (TEST_MODEL): what the jobs of POST /api/keys/verify run. */
  readonly probe: KeyProber['probe'];
  readonly auth: OperatorAuth;
}

const geminiBase = '/gemini/v1beta';
const keyListPaths = ['/v1/keys/list', '/hf/v1/keys/list'];

// Under prefixes of the client APIs, yet the operator's: never CORS-enabled, errors in the operator
// API's shape.
const seedOperatorPath =
  /^\/(?:gemini\/v1beta\/(?:verify-key|verify-selected-keys|reset-all-fail-counts|reset-selected-fail-counts|reset-fail-count)|(?:hf\/)?v1\/keys\/list)(?:[/?]|$)/;

/** Whether `url` is one of these routes (or under one), whatever its method. */
export const isSeedOperatorPath = (url: string): boolean => seedOperatorPath.test(url);

// A synchronous answer probes at most this many keys (eight at a time, each up to 10 s); more go
// through POST /api/keys/verify, a background job.
const maxSelectedKeys = 100;
const selectedKeys = z.array(z.string().trim().min(1).max(1024)).min(1).max(maxSelectedKeys);
// Not strict: gemini-balance's request models ignore fields they do not know, and so do these.
const verifySelectedSchema = z.object({ keys: selectedKeys });
const resetSelectedSchema = z.object({ keys: selectedKeys, key_type: z.string().optional() });
const resetAllSchema = z.object({ key_type: z.enum(['valid', 'invalid']).optional() });

/** gemini-balance's two lists: a key switched off (by Google's refusal or an operator) is invalid. */
const isValid = (state: KeyState) => state.disabled === undefined;

/**
 * What stands for gemini-balance's fail count: Google's failures in a row for a model (what
 * MAX_FAILURES counts here), the largest over the key's models.
 */
function failCountOf(state: KeyState): number {
  let count = 0;
  for (const model in state.models) count = Math.max(count, state.models[model]?.softFailures ?? 0);
  return count;
}

const notInPool = (reply: FastifyReply) => sendAdminError(reply, 404, 'No key in the pool is that key.');

export async function seedKeyRoutes(app: FastifyInstance, options: SeedKeyRouteOptions): Promise<void> {
  const { pool, probe } = options;

  /**
   * gemini-balance's reset of a fail count: the key serves again. Its rests end (clear-cooldown)
   * and a key Google refused is switched back on (enable); a key an operator switched off stays
   * off, as a probe leaves it. Returns the ids reset.
   */
  function reset(keys: readonly PoolKey[]): string[] {
    const ids = keys
      .filter((key) => pool.stateOf(key.id)?.disabled?.reason !== 'operator')
      .map((key) => key.id);
    pool.clearRest(ids);
    pool.enable(ids);
    return ids;
  }

  /** A probe's verdict in gemini-balance's words, with the error where the key did not serve. */
  const statusOf = (result: ProbeResult) =>
    result.verdict === 'serves' ? 'valid' : result.verdict === 'refused' ? 'invalid' : 'unknown';

  await app.register(async (gemini) => {
    guardOperatorApi(gemini, options.auth);

    // What POST /api/keys/{id}/verify starts as a job, answered when it is done: a probe, not
    // gemini-balance's generateContent "hi", so it spends no quota.
    gemini.post<{ Params: { key: string } }>(`${geminiBase}/verify-key/:key`, async (request, reply) => {
      const key = pool.findSecret(request.params.key.trim());
      if (!key) return notInPool(reply);
      const [result] = await probe([key], { cancellation: createRequestSignal(reply) });
      // Undefined: the client went away before the probe began.
      if (!result) return reply;
      return {
        status: statusOf(result),
        id: key.id,
        ...(result.ok ? {} : { error: result.message ?? null }),
      };
    });

    gemini.post(`${geminiBase}/verify-selected-keys`, async (request, reply) => {
      const body = parseAdminBody(verifySelectedSchema, request, reply);
      if (!body) return reply;
      // Pairs, made an object by Object.fromEntries: a key sent as `__proto__` stays a key.
      const failed: [string, string][] = [];
      // Each key given once is probed once, and answered under the text the client sent.
      const known = new Map<string, PoolKey>();
      for (const given of new Set(body.keys)) {
        const key = pool.findSecret(given);
        if (key) known.set(key.id, key);
        else failed.push([given, 'Not a key of the pool.']);
      }
      const results = await probe([...known.values()], { cancellation: createRequestSignal(reply) });
      const successful: string[] = [];
      for (const result of results) {
        const given = known.get(result.id)?.secret ?? '';
        if (result.ok) successful.push(given);
        else failed.push([given, `${statusOf(result)}: ${result.message ?? 'no message'}`]);
      }
      const invalid = failed.length;
      // The keys the client sent come back, as gemini-balance answers: never kept by a cache.
      reply.header('cache-control', 'no-store');
      return {
        success: true,
        message: `Verified ${successful.length + invalid} keys: ${successful.length} valid, ${invalid} not.`,
        successful_keys: successful,
        failed_keys: Object.fromEntries(failed),
        valid_count: successful.length,
        invalid_count: invalid,
      };
    });

    gemini.post(`${geminiBase}/reset-all-fail-counts`, async (request, reply) => {
      const query = parseAdminQuery(resetAllSchema, request, reply);
      if (!query) return reply;
      const chosen = pool.keys().filter((key) => {
        const state = pool.stateOf(key.id);
        return state && (query.key_type === undefined || isValid(state) === (query.key_type === 'valid'));
      });
      const count = reset(chosen).length;
      return {
        success: true,
        message: `Reset the fail counts of ${count} ${query.key_type ?? 'all'} keys.`,
        reset_count: count,
      };
    });

    gemini.post(`${geminiBase}/reset-selected-fail-counts`, async (request, reply) => {
      const body = parseAdminBody(resetSelectedSchema, request, reply);
      if (!body) return reply;
      const keys = body.keys.flatMap((given) => pool.findSecret(given) ?? []);
      const count = reset(keys).length;
      return { success: true, message: `Reset the fail counts of ${count} keys.`, reset_count: count };
    });

    gemini.post<{ Params: { key: string } }>(
      `${geminiBase}/reset-fail-count/:key`,
      async (request, reply) => {
        const key = pool.findSecret(request.params.key.trim());
        if (!key) return notInPool(reply);
        if (reset([key]).length === 0)
          return sendAdminError(
            reply,
            409,
            `An operator switched this key off; POST /api/keys/${key.id}/enable switches it on.`,
          );
        return { success: true, message: 'The fail count was reset.' };
      },
    );
  });

  // gemini-balance's scripts send its AUTH_TOKEN bare, without "Bearer".
  await app.register(async (list) => {
    guardOperatorApi(list, options.auth, { bareToken: true });
    for (const path of keyListPaths) {
      list.get(path, async (_request, reply) => {
        const valid: [string, number][] = [];
        const invalid: [string, number][] = [];
        for (const row of pool.rows()) {
          const key = pool.find(row.key.id);
          if (key) (isValid(row.state) ? valid : invalid).push([key.secret, failCountOf(row.state)]);
        }
        reply.header('cache-control', 'no-store');
        return {
          status: 'success',
          // Object.fromEntries: any text is an API key to the pool, `__proto__` included.
          data: { valid_keys: Object.fromEntries(valid), invalid_keys: Object.fromEntries(invalid) },
          total: valid.length + invalid.length,
        };
      });
    }
  });
}
