import { type AdminToken, isAdminToken } from '../core/admin-token.js';

export type TokenCheck = 'ok' | 'missing' | 'invalid';

/**
 * Checks a client token against ALLOWED_TOKENS and the admin token. A hash-set lookup compares a
 * guess in full only with a token whose hash it shares, so its timing does not reveal how much of a
 * guess was right, the leak a byte-by-byte comparison would have; the admin token is compared by
 * digest (core/admin-token.ts).
 */
export function createTokenChecker(
  tokens: readonly string[],
  admin: AdminToken,
): (token: string | undefined) => TokenCheck {
  const accepted = new Set(tokens.filter((token) => token.length > 0));
  return (token) => {
    if (!token) return 'missing';
    return accepted.has(token) || isAdminToken(admin, token) ? 'ok' : 'invalid';
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
