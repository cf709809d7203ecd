import { randomBytes } from 'node:crypto';

// Paging, timestamps and ids as Google's list methods and resources (files, cachedContents) give them.

export interface FakePage<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}

/**
 * One page of a list. The token is opaque to the caller (an offset, base64url); a token the fake
 * did not make is refused, as Google refuses one it cannot read.
 */
export function pageOf<T>(
  items: readonly T[],
  pageSizeText: string | null,
  pageToken: string | null,
  sizes: { readonly defaultSize: number; readonly maxSize: number },
): FakePage<T> | 'bad-token' {
  const asked = Number(pageSizeText);
  const pageSize = Number.isInteger(asked) && asked > 0 ? Math.min(asked, sizes.maxSize) : sizes.defaultSize;
  let offset = 0;
  if (pageToken) {
    const match = /^offset:(\d+)$/.exec(Buffer.from(pageToken, 'base64url').toString('utf8'));
    if (!match) return 'bad-token';
    offset = Number(match[1]);
  }
  const end = offset + pageSize;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextPageToken: Buffer.from(`offset:${end}`).toString('base64url') } : {}),
  };
}

/** An RFC 3339 UTC timestamp with microseconds, as Google writes `createTime` and the like. */
export function googleTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '000Z');
}

/** An id like Google's generated ones: twelve lowercase letters and digits. */
export function newResourceId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join('');
}
