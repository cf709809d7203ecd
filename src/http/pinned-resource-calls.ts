import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PinnedKind, PinnedResource, PinnedResourceStore } from '../core/pinned-resource-store.js';
import { cacheNamePattern, createFilesSurface, filesNamedIn } from '../protocols/gemini/files-surface.js';
import type { WholeSurface } from '../protocols/generation-surface.js';
import type { RelayCall } from '../relay/relay-call.js';
import { runWhole, type WholeGeneration } from '../relay/run-generation.js';
import { createClientChannel } from './create-client-channel.js';
import type { GeminiRouteOptions, GeminiVersion } from './gemini-routes.js';
import { clientOf } from './request-client.js';
import { sendGeminiError } from './send-gemini-error.js';

// What the Files API and cachedContents routes share: a resource lives with one key, and is the
// business of the client that made it.

type OptionsOf = (request: FastifyRequest) => GeminiVersion;

const idPattern = /^[a-z0-9-]{1,64}$/;
const maxPageSize = 100;
const defaultPageSize = 10;

/** What Google answers for a resource of another project, and the gateway for one of another client. */
export const notYours = (kind: 'File' | 'CachedContent', name: string) =>
  `You do not have permission to access the ${kind} ${name} or it may not exist.`;

/** The requesting client's id; `admin` for the admin token. */
export const clientIdOf = (request: FastifyRequest) => clientOf(request)?.id ?? 'admin';

/** Whether the client may see the resource (FILES_USER_ISOLATION_ENABLED; the admin token sees all). */
export function mayUse(optionsOf: OptionsOf, request: FastifyRequest, resource: PinnedResource): boolean {
  const client = clientIdOf(request);
  return !optionsOf(request).gemini.filesIsolated || client === 'admin' || resource.clientId === client;
}

/**
 * The client's own resource `{kind}{id}`, or undefined once a refusal was sent: Google's 403 for
 * one the gateway does not know or another client made, a 400 for an id that is no id.
 */
export async function ownResource(
  optionsOf: OptionsOf,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: PinnedKind,
  id: string,
): Promise<PinnedResource | undefined> {
  const name = `${kind}${id}`;
  if (!idPattern.test(id)) {
    sendGeminiError(reply, 400, `Expected ${kind}{id}, an id of lower-case letters, digits or dashes.`);
    return undefined;
  }
  const { gemini } = optionsOf(request);
  const resource = await gemini.pins.find(name, gemini.relay.clock.now());
  if (!resource || !mayUse(optionsOf, request, resource)) {
    sendGeminiError(reply, 403, notYours(kind === 'files/' ? 'File' : 'CachedContent', name));
    return undefined;
  }
  return resource;
}

/** Relays one call about a resource, answered whole and logged once; `record` keeps what it tells. */
export async function relayResourceCall(
  optionsOf: OptionsOf,
  request: FastifyRequest,
  reply: FastifyReply,
  call: Omit<RelayCall, 'signal'>,
  surface: WholeSurface = createFilesSurface(),
  record?: WholeGeneration['record'],
): Promise<FastifyReply> {
  const { gemini } = optionsOf(request);
  // An upload's bytes cannot be sent twice: one attempt, with the key the call names.
  const context = call.request.upload?.bytes ? { ...gemini.relay, maxAttempts: 1 } : gemini.relay;
  await runWhole(context, {
    call,
    surface,
    channel: createClientChannel(reply, gemini.openStreams),
    ...(record ? { record } : {}),
  });
  return reply;
}

/**
 * Lists the client's resources of one kind from the gateway's records (Google's own list would
 * show one key's project only): `{[field]: [...], nextPageToken?}`, `{}` when none.
 */
export async function listResources(
  optionsOf: OptionsOf,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: PinnedKind,
  field: string,
): Promise<FastifyReply> {
  const { gemini } = optionsOf(request);
  const query = request.query as { pageSize?: string; pageToken?: string };
  const size = Math.min(
    maxPageSize,
    Math.max(1, Number.parseInt(query.pageSize ?? '', 10) || defaultPageSize),
  );
  const after = query.pageToken ? Buffer.from(query.pageToken, 'base64url').toString('utf8') : undefined;
  const client = clientIdOf(request);
  const everyone = !gemini.filesIsolated || client === 'admin';
  const found = await gemini.pins.list(kind, everyone ? null : client, gemini.relay.clock.now(), {
    size: size + 1,
    ...(after?.startsWith(kind) ? { after } : {}),
  });
  const page = found.slice(0, size);
  const last = page.at(-1);
  return reply.header('content-type', 'application/json; charset=UTF-8').send(
    JSON.stringify({
      ...(page.length > 0 ? { [field]: page.map((each) => JSON.parse(each.resource) as unknown) } : {}),
      ...(found.length > size && last ? { nextPageToken: Buffer.from(last.name).toString('base64url') } : {}),
    }),
  );
}

/** The files and the cached content a Gemini request names. */
export function resourcesNamedIn(gemini: unknown): string[] {
  const names = filesNamedIn(gemini);
  const cache = (gemini as { cachedContent?: unknown } | null)?.cachedContent;
  if (typeof cache === 'string' && cacheNamePattern.test(cache)) names.push(cache);
  return names;
}

/** Where a request's resources bind it: a key (or none made here), or why it may not name them. */
export type Pin =
  | { readonly keyId: string | undefined }
  | { readonly refusal: { readonly status: number; readonly message: string } };

/**
 * The key the resources `names` live with (each is in the project of the key that made it), in
 * no protocol's shape: a refusal when one is another client's, or they were made with different keys.
 */
export async function pinOf(
  pins: PinnedResourceStore,
  at: { readonly nowMs: number; readonly clientId: string; readonly isolated: boolean },
  names: readonly string[],
): Promise<Pin> {
  const keys = new Set<string>();
  for (const name of names) {
    const resource = await pins.find(name, at.nowMs);
    if (!resource) continue;
    if (at.isolated && at.clientId !== 'admin' && resource.clientId !== at.clientId)
      return {
        refusal: {
          status: 403,
          message: notYours(name.startsWith('files/') ? 'File' : 'CachedContent', name),
        },
      };
    keys.add(resource.keyId);
  }
  if (keys.size > 1)
    return {
      refusal: {
        status: 400,
        message:
          'The files and cached content this request names were made with different keys of the gateway, so no one key can read them all: upload them again in one session, or name them in separate requests.',
      },
    };
  return { keyId: keys.values().next().value };
}

/**
 * The key a native request is bound to by the resources it names: undefined when none made here;
 * null once a refusal was sent in Google's shape.
 */
export async function pinOfRequest(
  gemini: GeminiRouteOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Buffer,
): Promise<string | undefined | null> {
  // Most requests name neither: a byte search spares them a second parse.
  if (body.indexOf('files/') === -1 && body.indexOf('cachedContents/') === -1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const pin = await pinOf(
    gemini.pins,
    { nowMs: gemini.relay.clock.now(), clientId: clientIdOf(request), isolated: gemini.filesIsolated },
    resourcesNamedIn(parsed),
  );
  if ('refusal' in pin) {
    sendGeminiError(reply, pin.refusal.status, pin.refusal.message);
    return null;
  }
  return pin.keyId;
}
