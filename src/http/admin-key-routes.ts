import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { keyFormatProblem } from '../core/key-format-problem.js';
import { describeKeyIdCollisions, KeyIdCollisionError } from '../keypool/find-key-id-collisions.js';
import { findKeysInText } from '../keypool/find-keys-in-text.js';
import {
  type KeyMeta,
  type KeyMetaStore,
  keyTagPattern,
  maxKeyNoteLength,
  maxKeyTags,
} from '../keypool/key-meta-store.js';
import type { KeyPool, KeyView, PoolKey } from '../keypool/key-pool.js';
import type { KeyStore } from '../keypool/key-store.js';
import { keyListStateOf, keyListStates, queryKeys } from '../keypool/query-keys.js';
import type { VerificationJobs } from '../relay/create-verification-jobs.js';
import { parseAdminBody, parseAdminQuery } from './admin-input.js';
import { sendAdminError } from './operator-auth.js';
import { encodeKeyListCursor, parseKeyListQuery } from './parse-key-list-query.js';

export interface AdminKeyRouteOptions {
  readonly pool: KeyPool;
  readonly store: KeyStore;
  readonly metaStore: KeyMetaStore;
  /** Every key's note and tags, read at start: the list filters by them in memory. */
  readonly meta: Map<string, KeyMeta>;
  readonly jobs: VerificationJobs;
  readonly clock: Clock;
  /**
   * Keys were added or removed, or a note changed, in the store: other instances read the store
   * again (and drop the `removed` ids, API_KEYS' among them).
   */
  readonly onKeysChanged?: (removed: readonly string[]) => void;
}

/** Whether `text` has a C0 control character other than tab, line feed and carriage return, or DEL. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

const idList = z.array(z.string().min(1)).min(1);
/** Which keys an operation is for: some by id, or all of them. */
const selectionSchema = z.union([
  z.object({ ids: idList, model: z.string().min(1).optional() }).strict(),
  z.object({ all: z.literal(true), model: z.string().min(1).optional() }).strict(),
]);
/** Which keys to verify: some by id, all, or all in one state. */
const verifySchema = z.union([
  z.object({ ids: idList }).strict(),
  z.object({ all: z.literal(true) }).strict(),
  z.object({ state: z.enum(keyListStates) }).strict(),
]);
const addSchema = z.object({ keys: z.union([z.string(), z.array(z.string())]) }).strict();
const importSchema = z.object({ text: z.string() }).strict();
const removeSchema = z.object({ ids: idList }).strict();
// A key is at most a few hundred characters; anything longer is no key the pool holds.
const findSchema = z.object({ key: z.string().min(1).max(1024) }).strict();
const metaSchema = z
  .object({
    // Control characters other than tab and line breaks are refused: PostgreSQL refuses NUL in
    // text, and a note is shown to people.
    note: z
      .string()
      .max(maxKeyNoteLength)
      .refine((note) => !hasControlCharacter(note), 'has a control character other than a tab or line break'),
    tags: z.array(z.string().regex(keyTagPattern, 'expected 1 to 32 of A-Z a-z 0-9 _ . -')).max(maxKeyTags),
  })
  .partial()
  .strict();
const exportSchema = z
  .object({ state: z.enum(keyListStates), format: z.enum(['text', 'json']) })
  .partial()
  .strict();
const emptySchema = z.object({}).strict();

type Action = 'enable' | 'disable' | 'clear-cooldown';
const actions: readonly Action[] = ['enable', 'disable', 'clear-cooldown'];

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** A key as the operator sees it: id and mask, never the key itself. */
function present(view: KeyView, meta: KeyMeta | undefined, nowMs: number) {
  const { state } = view;
  return {
    id: view.id,
    masked: view.masked,
    kind: view.kind,
    source: view.source,
    status: state.disabled ? 'disabled' : 'active',
    state: keyListStateOf(state, nowMs),
    note: meta?.note ?? '',
    tags: meta?.tags ?? [],
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
 * The operator API for the key pool (JSON; signed in, or `Authorization: Bearer AUTH_TOKEN`). Keys
 * are named by id in every URL and body; the raw key is returned only by `GET /api/keys/{id}/secret`
 * and `GET /api/keys/export`, each asked for by the operator and never cached.
 */
export async function adminKeyRoutes(app: FastifyInstance, options: AdminKeyRouteOptions): Promise<void> {
  const { pool, store, metaStore, meta, jobs, clock } = options;
  const keysChanged = (removed: readonly string[] = []) => options.onKeysChanged?.(removed);
  const metaOf = (id: string) => meta.get(id);

  /** Ids of the keys in `state` now, in the pool's order. */
  function idsInState(state: string): string[] {
    const nowMs = clock.now();
    return pool
      .rows()
      .filter((row) => keyListStateOf(row.state, nowMs) === state)
      .map((row) => row.key.id);
  }

  function run(action: Action, ids: readonly string[], model: string | undefined) {
    switch (action) {
      case 'enable':
        return { enabled: pool.enable(ids) };
      case 'disable':
        return { disabled: pool.disable(ids) };
      case 'clear-cooldown':
        return { cleared: pool.clearRest(ids, model) };
    }
  }

  // Filtered, sorted and paged in memory: the keys live in the pool, and one pass over 100,000 of
  // them takes milliseconds (query-keys.ts). A page ends at an opaque cursor, never a page number
  // that shifts as keys come and go.
  app.get('/api/keys', async (request, reply) => {
    const parsed = parseKeyListQuery(request.query);
    if ('problem' in parsed) return sendAdminError(reply, 400, parsed.problem);
    const { query } = parsed;
    // A whole key pasted into the search finds that key, compared by the pool, never echoed.
    const exactId = query.text === undefined ? undefined : pool.findSecret(query.text)?.id;
    const nowMs = clock.now();
    const page = queryKeys(pool.rows(), metaOf, exactId ? { ...query, exactId } : query, nowMs);
    return {
      items: page.items.flatMap((row) => {
        const view = pool.view(row.key.id);
        return view ? [present(view, metaOf(view.id), nowMs)] : [];
      }),
      counts: page.counts,
      matched: page.matched,
      nextCursor: page.next ? encodeKeyListCursor(query.sort, query.order, page.next) : null,
    };
  });

  // Every key in one state, or all: the only answer besides /secret that holds keys, so it is
  // never cached, and saved as a file by a browser rather than shown.
  app.get('/api/keys/export', async (request, reply) => {
    const query = parseAdminQuery(exportSchema, request, reply);
    if (!query) return reply;
    const nowMs = clock.now();
    const keys = pool.rows().flatMap((row) => {
      const key = pool.find(row.key.id);
      const state = keyListStateOf(row.state, nowMs);
      return key && (query.state === undefined || state === query.state) ? [{ key, state }] : [];
    });
    const format = query.format ?? 'text';
    reply
      .header('cache-control', 'no-store')
      .header(
        'content-disposition',
        `attachment; filename="gemgate-keys${query.state ? `-${query.state}` : ''}.${format === 'json' ? 'json' : 'txt'}"`,
      );
    if (format === 'json')
      return { keys: keys.map(({ key, state }) => ({ id: key.id, key: key.secret, state })) };
    reply.type('text/plain; charset=utf-8');
    return keys.map(({ key }) => `${key.secret}\n`).join('');
  });

  // A whole key to its id, in a body: a key typed into the console's search would otherwise travel
  // in a URL, which proxies and access logs keep. The key is compared by the pool, never echoed.
  app.post('/api/keys/find', async (request, reply) => {
    const body = parseAdminBody(findSchema, request, reply);
    if (!body) return reply;
    const key = pool.findSecret(body.key.trim());
    return key ? { id: key.id } : sendAdminError(reply, 404, 'No key in the pool is that key.');
  });

  app.get<{ Params: { id: string } }>('/api/keys/:id', async (request, reply) => {
    const view = pool.view(request.params.id);
    return view
      ? present(view, metaOf(view.id), clock.now())
      : sendAdminError(reply, 404, 'No key with that id.');
  });

  app.get<{ Params: { id: string } }>('/api/keys/:id/secret', async (request, reply) => {
    const key = pool.find(request.params.id);
    if (!key) return sendAdminError(reply, 404, 'No key with that id.');
    reply.header('cache-control', 'no-store');
    return { id: key.id, key: key.secret };
  });

  // A note and tags per key: stored first, then shown and filtered by. A field left out is kept.
  app.put<{ Params: { id: string } }>('/api/keys/:id/meta', async (request, reply) => {
    const { id } = request.params;
    if (!pool.find(id)) return sendAdminError(reply, 404, 'No key with that id.');
    const body = parseAdminBody(metaSchema, request, reply);
    if (!body) return reply;
    const current = meta.get(id);
    const next: KeyMeta = {
      note: body.note ?? current?.note ?? '',
      // A tag given twice is kept once, in the order first given.
      tags: body.tags ? [...new Set(body.tags)] : (current?.tags ?? []),
    };
    try {
      await metaStore.put(id, next, clock.now());
    } catch (error) {
      request.log.warn({ code: (error as { code?: unknown }).code }, 'could not store a key note');
      return sendAdminError(reply, 503, 'The note and tags could not be stored; try again.');
    }
    // The key may have been removed while its note was stored: the row goes with it.
    if (!pool.find(id)) {
      await metaStore.remove([id]).catch(() => {});
      return sendAdminError(reply, 404, 'No key with that id.');
    }
    if (next.note === '' && next.tags.length === 0) meta.delete(id);
    else meta.set(id, next);
    keysChanged();
    return { id, ...next };
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
    if (addedKeys.length > 0) keysChanged();
    return reply.code(addedKeys.length > 0 ? 201 : 200).send({
      added: addedKeys.map((key) => ({ id: key.id, masked: key.masked })),
      alreadyPresent: outcome.present,
      ...extra,
    });
  }

  app.post('/api/keys', async (request, reply) => {
    const body = parseAdminBody(addSchema, request, reply);
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
    const body = parseAdminBody(importSchema, request, reply);
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

  /**
   * Forgotten by the store first, so a key the operator removed never comes back on a restart;
   * its note and tags go after it (one left behind by a failure is never shown: its key is gone).
   */
  async function remove(request: FastifyRequest, reply: FastifyReply, ids: readonly string[]) {
    const sources = new Map(pool.rows().map((row) => [row.key.id, row.source]));
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
    if (removed.length > 0) keysChanged(removed);
    const noted = removed.filter((id) => meta.has(id));
    for (const id of noted) meta.delete(id);
    await metaStore.remove(noted).catch((error: unknown) => {
      request.log.warn(
        { code: (error as { code?: unknown }).code },
        'could not delete the notes of removed keys',
      );
    });
    return {
      removed,
      // API_KEYS is the settings' list: a key removed here is back on the next start unless it
      // is removed from API_KEYS too.
      returnsOnRestart: removed.filter((id) => sources.get(id) === 'settings'),
    };
  }

  app.post('/api/keys/remove', async (request, reply) => {
    const body = parseAdminBody(removeSchema, request, reply);
    return body ? remove(request, reply, body.ids) : reply;
  });

  app.delete<{ Params: { id: string } }>('/api/keys/:id', async (request, reply) => {
    if (!pool.find(request.params.id)) return sendAdminError(reply, 404, 'No key with that id.');
    return remove(request, reply, [request.params.id]);
  });

  // Every key Google refused (a probe confirmed it), by the same rule as POST /api/keys/remove: a
  // key from API_KEYS leaves the pool too, and is named as one that returns on the next start.
  app.post('/api/keys/delete-refused', async (request, reply) => {
    if (!parseAdminBody(emptySchema, request, reply, { emptyIsObject: true })) return reply;
    return remove(request, reply, idsInState('refused'));
  });

  /** Answers 202 with the job that probes `keys`; `GET /api/jobs/{id}` follows it. */
  function verify(reply: FastifyReply, keys: readonly PoolKey[]) {
    const job = jobs.start(keys);
    if (!job)
      return sendAdminError(
        reply,
        409,
        'Verification jobs are running already, as many as run at once; try again when one has finished.',
      );
    return reply.code(202).send({ jobId: job.id, total: job.total });
  }

  app.post('/api/keys/verify', async (request, reply) => {
    const body = parseAdminBody(verifySchema, request, reply);
    if (!body) return reply;
    if ('all' in body) return verify(reply, pool.keys());
    // Ids no key has are left out: a key removed since the operator's page was read.
    const chosen = 'ids' in body ? body.ids : idsInState(body.state);
    return verify(
      reply,
      chosen.flatMap((id) => pool.find(id) ?? []),
    );
  });

  app.post<{ Params: { id: string } }>('/api/keys/:id/verify', async (request, reply) => {
    const key = pool.find(request.params.id);
    return key ? verify(reply, [key]) : sendAdminError(reply, 404, 'No key with that id.');
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request, reply) => {
    const job = await jobs.find(request.params.id);
    return job ?? sendAdminError(reply, 404, 'No job with that id (finished jobs are kept an hour).');
  });

  for (const action of actions) {
    app.post(`/api/keys/${action}`, async (request, reply) => {
      const body = parseAdminBody(selectionSchema, request, reply);
      if (!body) return reply;
      const ids = 'all' in body ? pool.rows().map((row) => row.key.id) : body.ids;
      return run(action, ids, body.model);
    });
    app.post<{ Params: { id: string } }>(`/api/keys/:id/${action}`, async (request, reply) => {
      if (!pool.find(request.params.id)) return sendAdminError(reply, 404, 'No key with that id.');
      const model = (request.query as { model?: string }).model;
      return run(action, [request.params.id], model);
    });
  }
}
