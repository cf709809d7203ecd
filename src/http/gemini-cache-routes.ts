import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describedCacheOf } from '../protocols/gemini/files-surface.js';
import { upstreamQuery } from '../protocols/gemini/gemini-paths.js';
import { looksLikeJsonObject } from '../protocols/gemini/native-surface.js';
import type { GeminiVersion } from './gemini-routes.js';
import {
  clientIdOf,
  listResources,
  ownResource,
  pinOfRequest,
  relayResourceCall,
} from './pinned-resource-calls.js';
import { sendNotJsonObject } from './send-gemini-error.js';

// Google's cachedContents through the gateway (issue 12): a cache lives in the project of the key
// that made it, like a file; every later call naming it goes with that key.

const prefixes = ['', '/gemini'] as const;

/** The model a cache is made for (`models/x` or `x`), which the pool chooses a key for. */
function modelOf(body: Buffer): string | null {
  try {
    const model = (JSON.parse(body.toString('utf8')) as { model?: unknown } | null)?.model;
    return typeof model === 'string' && /^(models\/)?[\w.-]{1,128}$/.test(model)
      ? model.replace(/^models\//, '')
      : null;
  } catch {
    return null;
  }
}

export async function geminiCacheRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => GeminiVersion },
): Promise<void> {
  for (const prefix of prefixes) {
    const base = `${prefix}/v1beta/cachedContents`;

    app.post(base, async (request, reply) => {
      const body = request.body;
      if (!looksLikeJsonObject(body)) return sendNotJsonObject(reply);
      const { gemini } = optionsOf(request);
      // A cache of files is made with their key: it reads them in that project.
      const pin = await pinOfRequest(gemini, request, reply, body);
      if (pin === null) return reply;
      const client = clientIdOf(request);
      return relayResourceCall(
        optionsOf,
        request,
        reply,
        {
          route: 'gemini cachedContents.create',
          model: modelOf(body),
          request: { method: 'POST', path: '/v1beta/cachedContents', query: '', body },
          stream: false,
          ...(pin === undefined ? {} : { pinKeyId: pin }),
        },
        undefined,
        async (answer) => {
          const cache = describedCacheOf(answer.body);
          if (cache)
            await gemini.pins.put({
              ...cache,
              keyId: answer.key.id,
              clientId: client,
              createdAtMs: gemini.relay.clock.now(),
            });
        },
      );
    });

    app.get(base, (request, reply) =>
      listResources(optionsOf, request, reply, 'cachedContents/', 'cachedContents'),
    );

    app.get<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
      const cache = await ownResource(optionsOf, request, reply, 'cachedContents/', request.params.id);
      if (!cache) return reply;
      return relayResourceCall(optionsOf, request, reply, {
        route: 'gemini cachedContents.get',
        model: null,
        request: { method: 'GET', path: `/v1beta/${cache.name}`, query: '' },
        stream: false,
        pinKeyId: cache.keyId,
      });
    });

    app.patch<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
      const cache = await ownResource(optionsOf, request, reply, 'cachedContents/', request.params.id);
      if (!cache) return reply;
      const body = request.body;
      if (!looksLikeJsonObject(body)) return sendNotJsonObject(reply);
      const { gemini } = optionsOf(request);
      return relayResourceCall(
        optionsOf,
        request,
        reply,
        {
          route: 'gemini cachedContents.patch',
          model: null,
          // updateMask (ttl or expireTime) passes on; the client's ?key= never does.
          request: {
            method: 'PATCH',
            path: `/v1beta/${cache.name}`,
            query: upstreamQuery(request.url),
            body,
          },
          stream: false,
          pinKeyId: cache.keyId,
        },
        undefined,
        async (answer) => {
          const updated = describedCacheOf(answer.body);
          if (updated?.name === cache.name) await gemini.pins.put({ ...cache, ...updated });
        },
      );
    });

    app.delete<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
      const cache = await ownResource(optionsOf, request, reply, 'cachedContents/', request.params.id);
      if (!cache) return reply;
      const { gemini } = optionsOf(request);
      return relayResourceCall(
        optionsOf,
        request,
        reply,
        {
          route: 'gemini cachedContents.delete',
          model: null,
          request: { method: 'DELETE', path: `/v1beta/${cache.name}`, query: '' },
          stream: false,
          pinKeyId: cache.keyId,
        },
        undefined,
        () => gemini.pins.remove(cache.name),
      );
    });
  }
}
