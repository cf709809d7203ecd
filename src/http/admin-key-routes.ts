import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { keyFormatProblem } from '../core/key-format-problem.js';
import { describeKeyIdCollisions, KeyIdCollisionError } from '../keypool/find-key-id-collisions.js';
import { findKeysInText } from '../keypool/find-keys-in-text.js';
import type { KeyPool, KeyView } from '../keypool/key-pool.js';
import type { KeyStore } from '../keypool/key-store.js';
import type { KeyProber } from '../relay/create-key-prober.js';
import { sendAdminError } from './operator-auth.js';

export interface AdminKeyRouteOptions {
  readonly pool: KeyPool;
  readonly store: KeyStore;
  readonly prober: KeyProber;
  readonly clock: Clock;
}

/** Which keys an operation is for: some by id, or all of them. */
const selectionSchema = z.union([
  z.object({ ids: z.array(z.string().min(1)).min(1), model: z.string().min(1).optional() }).strict(),
  z.object({ all: z.literal(true), model: z.string().min(1).optional() }).strict(),
]);
const addSchema = z.object({ keys: z.union([z.string(), z.array(z.string())]) }).strict();
const importSchema = z.object({ text: z.string() }).strict();
const removeSchema = z.object({ ids: z.array(z.string().min(1)).min(1) }).strict();

type Action = 'verify' | 'enable' | 'disable' | 'clear-cooldown';
const actions: readonly Action[] = ['verify', 'enable', 'disable', 'clear-cooldown'];

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** A key as the operator sees it: id and mask, never the key itself. */
function present(view: KeyView, nowMs: number) {
  const { state } = view;
  return {
    id: view.id,
    masked: view.masked,
    source: view.source,
    status: state.disabled ? 'disabled' : 'active',
    disabled: state.disabled ? { reason: state.disabled.reason, since: iso(state.disabled.atMs) } : null,
    lastError: state.lastError
      ? { ...state.lastError, atMs: undefined, at: iso(state.lastError.atMs) }
      : null,
    models: Object.entries(state.models).map(([model, modelState]) => ({
      model,
      restingUntil: (modelState.coolUntilMs ?? 0) > nowMs ? iso(modelState.coolUntilMs) : null,
      reason: modelState.coolReason ?? null,
      rateLimitStreak: modelState.rateLimitStreak,
      softFailures: modelState.softFailures,
    })),
    usage: {
      requests: view.usage.requests,
      failures: view.usage.failures,
      models: Object.fromEntries(
        Object.entries(view.usage.models).map(([model, usage]) => [
          model,
          {
            thisMinute: usage.minuteStartMs + 60_000 > nowMs ? usage.minuteCount : 0,
            today: usage.dayEndMs > nowMs ? usage.dayCount : 0,
          },
        ]),
      ),
    },
  };
}

/**
 * The operator API for the key pool (JSON; signed in, or `Authorization: Bearer AUTH_TOKEN`). Keys are named by
 * id in every URL and body; the raw key is returned only by `GET /api/keys/{id}/secret`.
 */
export async function adminKeyRoutes(app: FastifyInstance, options: AdminKeyRouteOptions): Promise<void> {
  const { pool, store, prober, clock } = options;

  function parseBody<T>(schema: z.ZodType<T>, request: FastifyRequest, reply: FastifyReply): T | undefined {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
    } catch {
      sendAdminError(reply, 400, 'Expected a JSON body.');
      return undefined;
    }
    const result = schema.safeParse(json);
    if (result.success) return result.data;
    sendAdminError(
      reply,
      400,
      result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
    );
    return undefined;
  }

  async function run(action: Action, ids: readonly string[], model: string | undefined) {
    switch (action) {
      case 'verify': {
        const keys = ids.map((id) => pool.find(id)).filter((key) => key !== undefined);
        return { results: await prober.probe(keys) };
      }
      case 'enable':
        return { enabled: pool.enable(ids) };
      case 'disable':
        return { disabled: pool.disable(ids) };
      case 'clear-cooldown':
        return { cleared: pool.clearRest(ids, model) };
    }
  }

  app.get('/api/keys', async () => {
    const nowMs = clock.now();
    const keys = pool.list().map((view) => present(view, nowMs));
    return {
      summary: {
        total: keys.length,
        active: keys.filter((key) => key.status === 'active').length,
        disabled: keys.filter((key) => key.status === 'disabled').length,
        resting: keys.filter((key) => key.models.some((model) => model.restingUntil !== null)).length,
      },
      keys,
    };
  });

  app.get<{ Params: { id: string } }>('/api/keys/:id', async (request, reply) => {
    const view = pool.list().find((candidate) => candidate.id === request.params.id);
    return view ? present(view, clock.now()) : sendAdminError(reply, 404, 'No key with that id.');
  });

  app.get<{ Params: { id: string } }>('/api/keys/:id/secret', async (request, reply) => {
    const key = pool.find(request.params.id);
    return key ? { id: key.id, key: key.secret } : sendAdminError(reply, 404, 'No key with that id.');
  });

  /**
   * Adds keys: stored first, then pooled. Two keys with one id are refused (409), each named by
   * `place`, never merged. Answers 201 with what was added, or 200 when every key was present.
   */
  async function addSecrets(
    request: FastifyRequest,
    reply: FastifyReply,
    secrets: readonly string[],
    place: (index: number) => string,
    extra: Record<string, unknown> = {},
  ) {
    const refuse = (error: unknown, placeOf = (index: number) => index) => {
      if (!(error instanceof KeyIdCollisionError)) throw error;
      const text = describeKeyIdCollisions(error.collisions, (index) => place(placeOf(index)));
      return sendAdminError(reply, 409, `${text}; none was added.`);
    };
    let fresh: readonly { id: string; secret: string }[];
    try {
      fresh = pool.plan(secrets).fresh;
    } catch (error) {
      return refuse(error);
    }
    const freshPlace = (index: number) => secrets.indexOf(fresh[index]?.secret ?? '');
    // Stored first: a key the pool used but the store lost would be gone after a restart, with the
    // operator told it was added.
    try {
      await store.addRuntimeKeys(fresh, clock.now());
    } catch (error) {
      // Another key stored meanwhile under one of these ids, by a request racing this one.
      if (error instanceof KeyIdCollisionError) return refuse(error, freshPlace);
      // The code only: a driver's message may quote the values it failed to write.
      request.log.warn({ code: (error as { code?: unknown }).code }, 'could not store added keys');
      return sendAdminError(reply, 503, 'The keys could not be stored, so none was added; try again.');
    }
    let outcome: { added: string[]; present: string[] };
    try {
      outcome = pool.add(secrets, 'runtime');
    } catch (error) {
      // A key with one of these ids entered the pool while they were stored (API_KEYS changed):
      // the rows just stored would bring the refused keys back on a restart, so they go.
      const stored = fresh.filter((key) => pool.find(key.id)?.secret !== key.secret).map((key) => key.id);
      await store.removeRuntimeKeys(stored).catch((failure: unknown) => {
        request.log.warn({ code: (failure as { code?: unknown }).code }, 'could not forget refused keys');
      });
      return refuse(error);
    }
    const addedKeys = outcome.added.map((id) => pool.find(id)).filter((key) => key !== undefined);
    return reply.code(addedKeys.length > 0 ? 201 : 200).send({
      added: addedKeys.map((key) => ({ id: key.id, masked: key.masked })),
      alreadyPresent: outcome.present,
      ...extra,
    });
  }

  app.post('/api/keys', async (request, reply) => {
    const body = parseBody(addSchema, request, reply);
    if (!body) return reply;
    const given = typeof body.keys === 'string' ? body.keys.split(/[\s,]+/) : body.keys;
    const secrets: string[] = [];
    // Where each key stands in the body, to name it in an error.
    const places: number[] = [];
    for (const [index, raw] of given.entries()) {
      const secret = raw.trim();
      if (secret.length === 0) continue;
      // The key is never echoed: a malformed key is still someone's secret.
      const problem = keyFormatProblem(secret);
      if (problem) return sendAdminError(reply, 400, `keys[${index}] ${problem}.`);
      secrets.push(secret);
      places.push(index);
    }
    if (secrets.length === 0) return sendAdminError(reply, 400, 'keys: no key given.');
    return addSecrets(request, reply, secrets, (index) => `keys[${places[index] ?? index}]`);
  });

  // Free text (a pasted file, a seed's .env, a spreadsheet column): the Google keys in it are
  // added; what only looks like one is reported by line, never repeated.
  app.post('/api/keys/import', async (request, reply) => {
    const body = parseBody(importSchema, request, reply);
    if (!body) return reply;
    const found = findKeysInText(body.text);
    const report = {
      duplicates: found.duplicates,
      malformed: found.malformed,
      malformedCount: found.malformedCount,
    };
    if (found.keys.length === 0)
      return sendAdminError(reply, 400, 'text: no Google API key (AIza…) found.', report);
    return addSecrets(request, reply, found.keys, (index) => `the key on line ${found.lines[index]}`, report);
  });

  /** Forgotten by the store first, so a key the operator removed never comes back on a restart. */
  async function remove(reply: FastifyReply, ids: readonly string[]) {
    const sources = new Map(pool.list().map((view) => [view.id, view.source]));
    try {
      await store.removeRuntimeKeys(ids.filter((id) => sources.has(id)));
    } catch {
      return sendAdminError(
        reply,
        503,
        'The keys could not be removed from the store, so none was removed; try again.',
      );
    }
    const removed = pool.remove(ids);
    return {
      removed,
      // API_KEYS is the settings' list: a key removed here is back on the next start unless it
      // is removed from API_KEYS too.
      returnsOnRestart: removed.filter((id) => sources.get(id) === 'settings'),
    };
  }

  app.post('/api/keys/remove', async (request, reply) => {
    const body = parseBody(removeSchema, request, reply);
    return body ? remove(reply, body.ids) : reply;
  });

  app.delete<{ Params: { id: string } }>('/api/keys/:id', async (request, reply) => {
    if (!pool.find(request.params.id)) return sendAdminError(reply, 404, 'No key with that id.');
    return remove(reply, [request.params.id]);
  });

  for (const action of actions) {
    app.post(`/api/keys/${action}`, async (request, reply) => {
      const body = parseBody(selectionSchema, request, reply);
      if (!body) return reply;
      const ids = 'all' in body ? pool.list().map((view) => view.id) : body.ids;
      return run(action, ids, body.model);
    });
    app.post<{ Params: { id: string } }>(`/api/keys/:id/${action}`, async (request, reply) => {
      if (!pool.find(request.params.id)) return sendAdminError(reply, 404, 'No key with that id.');
      const model = (request.query as { model?: string }).model;
      return run(action, [request.params.id], model);
    });
  }
}
