import { type AdminToken, isAdminToken } from '../core/admin-token.js';
import { adminClient, type ClientIdentity, clientIdentityOf } from '../core/client-identity.js';

/** The client a good token names, or why there is none. */
export type TokenCheck = ClientIdentity | 'missing' | 'invalid';

/**
 * Checks a client token against ALLOWED_TOKENS and the admin token. A hash-map lookup compares a
 * guess in full only with a token whose hash it shares, so its timing does not reveal how much of a
 * guess was right, the leak a byte-by-byte comparison would have; a generated admin token is
 * compared by digest (core/admin-token.ts). Identities are made once per version of the settings.
 */
export function createTokenChecker(
  tokens: readonly string[],
  authToken: string,
  admin: AdminToken,
): (token: string | undefined) => TokenCheck {
  const accepted = new Map<string, ClientIdentity>();
  for (const token of tokens) if (token.length > 0) accepted.set(token, clientIdentityOf(token));
  // A configured AUTH_TOKEN is in the settings anyway: in the map, a client using it costs a
  // lookup, not a digest per request. A generated one is known only by its digest.
  if (authToken) accepted.set(authToken, adminClient);
  return (token) => {
    if (!token) return 'missing';
    return accepted.get(token) ?? (isAdminToken(admin, token) ? adminClient : 'invalid');
  };
}
interface TokenSources {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: unknown;
}

/** A Gemini client's token: `x-goog-api-key` (the SDKs), `?key=` (curl examples) or a Bearer header. */
export function extractGeminiToken({ headers, query }: TokenSources): string | undefined {
  const header = headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return header;
  const fromQuery = (query as { key?: unknown } | undefined)?.key;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  return extractBearer(headers.authorization);
}

export function extractBearer(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization);
  return match?.[1]?.trim() || undefined;
}
