import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createFilesSurface, uploadedFileOf } from '../protocols/gemini/files-surface.js';
import { gatewayUploadUrl, uploadSessionOf } from '../protocols/gemini/upload-session.js';
import type { WholeSurface } from '../protocols/generation-surface.js';
import type { RelayCall } from '../relay/relay-call.js';
import type { WholeGeneration } from '../relay/run-generation.js';
import type { UpstreamRequest } from '../upstream/endpoints/endpoint.js';
import type { GeminiVersion } from './gemini-routes.js';
import { clientIdOf, listResources, ownResource, relayResourceCall } from './pinned-resource-calls.js';
import { sendGeminiError } from './send-gemini-error.js';

// Google's Files API through the gateway (issue 12): an upload starts with a key the pool chooses,
// and every later call that names the file goes with that key (the file lives in its project).

/** The prefixes a client may reach the Files API at, as for the rest of the native API. */
const prefixes = ['', '/gemini'] as const;

/** The protocol's request headers passed to Google (lower-case), besides the bytes' type and length. */
const uploadRequestHeaders = [
  'x-goog-upload-protocol',
  'x-goog-upload-command',
  'x-goog-upload-offset',
  'x-goog-upload-header-content-length',
  'x-goog-upload-header-content-type',
  'x-goog-upload-file-name',
  'content-type',
  'content-length',
] as const;

/** An upload's start carries a small JSON body (`{file: {displayName}}`). */
const maxStartBodyBytes = 64 * 1024;

function headersOf(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of uploadRequestHeaders) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

async function readSmall(stream: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The query string of a request URL, without `?`. */
const queryOf = (url: string) => {
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index + 1);
};

/** A call of the resumable upload protocol, which always goes to the same path. */
const uploadCall = (
  request: Pick<UpstreamRequest, 'query' | 'body' | 'upload'>,
): Omit<RelayCall, 'signal'> => ({
  route: 'gemini files.upload',
  model: null,
  request: { method: 'POST', path: '/upload/v1beta/files', ...request },
  stream: false,
});

export async function geminiFileRoutes(
  app: FastifyInstance,
  { optionsOf }: { readonly optionsOf: (request: FastifyRequest) => GeminiVersion },
): Promise<void> {
  // An upload's bytes pass through as a stream: no parser reads them, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const relay = (
    request: FastifyRequest,
    reply: FastifyReply,
    call: Omit<RelayCall, 'signal'>,
    surface?: WholeSurface,
    record?: WholeGeneration['record'],
  ) => relayResourceCall(optionsOf, request, reply, call, surface, record);

  for (const prefix of prefixes) {
    const uploadPath = `${prefix}/upload/v1beta/files`;
    app.post(uploadPath, async (request, reply) => {
      const bytes = request.body as Readable;
      const command = request.headers['x-goog-upload-command'];
      const client = clientIdOf(request);
      if (typeof command === 'string' && /\bstart\b/.test(command)) {
        const body = await readSmall(bytes, maxStartBodyBytes);
        if (!body)
          return sendGeminiError(reply, 400, 'An upload’s start is a small JSON object ({"file": {...}}).');
        const surface = createFilesSurface({
          uploadUrl: (upstreamUrl, served) =>
            gatewayUploadUrl(
              upstreamUrl,
              { origin: `${request.protocol}://${request.host}`, path: uploadPath },
              { keyId: served.keyId, clientId: client },
            ),
        });
        return relay(
          request,
          reply,
          uploadCall({ query: '', body, upload: { headers: headersOf(request) } }),
          surface,
        );
      }
      const session = uploadSessionOf(queryOf(request.url));
      // Another client's upload is no upload of this one's.
      if (!session || session.clientId !== client) {
        bytes.resume();
        return sendGeminiError(reply, 404, 'No upload under way at this URL: start the upload again.');
      }
      const { gemini } = optionsOf(request);
      return relay(
        request,
        reply,
        {
          ...uploadCall({ query: session.upstreamQuery, upload: { headers: headersOf(request), bytes } }),
          pinKeyId: session.keyId,
        },
        createFilesSurface(),
        async (answer) => {
          if (answer.headers['x-goog-upload-status'] !== 'final') return;
          const file = uploadedFileOf(answer.body);
          if (!file) return;
          await gemini.pins.put({
            ...file,
            keyId: answer.key.id,
            clientId: client,
            createdAtMs: gemini.relay.clock.now(),
          });
        },
      );
    });

    app.get(`${prefix}/v1beta/files`, (request, reply) =>
      listResources(optionsOf, request, reply, 'files/', 'files'),
    );

    app.get<{ Params: { id: string } }>(`${prefix}/v1beta/files/:id`, async (request, reply) => {
      const file = await ownResource(optionsOf, request, reply, 'files/', request.params.id);
      if (!file) return reply;
      return relay(request, reply, {
        route: 'gemini files.get',
        model: null,
        request: { method: 'GET', path: `/v1beta/${file.name}`, query: '' },
        stream: false,
        pinKeyId: file.keyId,
      });
    });

    app.delete<{ Params: { id: string } }>(`${prefix}/v1beta/files/:id`, async (request, reply) => {
      const file = await ownResource(optionsOf, request, reply, 'files/', request.params.id);
      if (!file) return reply;
      const { gemini } = optionsOf(request);
      return relay(
        request,
        reply,
        {
          route: 'gemini files.delete',
          model: null,
          request: { method: 'DELETE', path: `/v1beta/${file.name}`, query: '' },
          stream: false,
          pinKeyId: file.keyId,
        },
        createFilesSurface(),
        () => gemini.pins.remove(file.name),
      );
    });
  }
}
