/**
 * The resumable upload's URL, as the gateway hands it out. Google's upload URL (its `upload_id` is
 * the upload's only capability) is kept, and the gateway adds which key started the upload and
 * which client did, so that any instance can forward the next chunk with the same key, for the
 * same client only, without a shared session table. Neither is a secret: a key id and a client id
 * are the names the logs use. The client's SDK keeps the path and query and puts its own base URL
 * in front, so the path is the gateway's own (`/gemini/upload/v1beta/files` or `/upload/...`).
 */

const keyParameter = 'gemgate_key';
const clientParameter = 'gemgate_client';

export interface UploadSession {
  /** Google's path and query for the chunks, without the gateway's parameters. */
  readonly upstreamQuery: string;
  readonly keyId: string;
  readonly clientId: string;
}

// Ids as the gateway makes them: 16 hex digits for a key, the same or `admin` for a client.
const idPattern = /^(?:[0-9a-f]{16}|admin)$/;

/**
 * The gateway's upload URL for Google's: `origin` and `path` as the client reached the gateway.
 * Undefined when Google's is no URL with an `upload_id`.
 */
export function gatewayUploadUrl(
  upstreamUrl: string,
  at: { readonly origin: string; readonly path: string },
  session: { readonly keyId: string; readonly clientId: string },
): string | undefined {
  let url: URL;
  try {
    url = new URL(upstreamUrl);
  } catch {
    return undefined;
  }
  if (!url.searchParams.get('upload_id')) return undefined;
  url.searchParams.delete(keyParameter);
  url.searchParams.delete(clientParameter);
  url.searchParams.set(keyParameter, session.keyId);
  url.searchParams.set(clientParameter, session.clientId);
  return `${at.origin}${at.path}?${url.searchParams.toString()}`;
}

/** The session a chunk's query names, or undefined when it names none the gateway made. */
export function uploadSessionOf(query: string): UploadSession | undefined {
  const parameters = new URLSearchParams(query);
  const keyId = parameters.get(keyParameter) ?? '';
  const clientId = parameters.get(clientParameter) ?? '';
  if (!parameters.get('upload_id') || !idPattern.test(keyId) || !idPattern.test(clientId)) return undefined;
  parameters.delete(keyParameter);
  parameters.delete(clientParameter);
  // Never the client's token: Google's upload needs none, and `key` is the gateway's.
  parameters.delete('key');
  return { upstreamQuery: parameters.toString(), keyId, clientId };
}
