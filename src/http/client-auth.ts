import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenCheck = 'ok' | 'missing' | 'invalid';

/**
 * Checks a client token against ALLOWED_TOKENS and AUTH_TOKEN. A hash-set lookup compares a guess
 * in full only with a token whose hash it shares, so its timing does not reveal how much of a guess
 * was right, the leak a byte-by-byte comparison would have.
 */
export function createTokenChecker(tokens: readonly string[]): (token: string | undefined) => TokenCheck {
  const accepted = new Set(tokens.filter((token) => token.length > 0));
  return (token) => {
    if (!token) return 'missing';
    return accepted.has(token) ? 'ok' : 'invalid';
  };
}

const digestOf = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks a token against one secret (the admin token) in constant time: both sides are hashed to
 * SHA-256 first, so the comparison takes as long for any guess, whatever its length or how much of
 * it is right.
 */
export function createTokenMatcher(secret: string): (token: string | undefined) => boolean {
  const expected = digestOf(secret);
  return (token) => token !== undefined && secret.length > 0 && timingSafeEqual(digestOf(token), expected);
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
