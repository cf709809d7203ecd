import { z } from 'zod';
import { keyTagPattern } from '../keypool/key-meta-store.js';
import { type KeyPosition, type KeyQuery, keyListStates, keySorts } from '../keypool/query-keys.js';

const maxKeyListLimit = 500;
const defaultLimit = 50;

const querySchema = z
  .object({
    state: z.enum(keyListStates),
    model: z.string().min(1).max(256),
    errorClass: z.string().regex(/^[a-z0-9-]{1,64}$/, 'expected lower-case letters, digits and -'),
    source: z.enum(['settings', 'runtime']),
    tag: z.string().regex(keyTagPattern, 'expected 1 to 32 of A-Z a-z 0-9 _ . -'),
    q: z.string().max(200),
    sort: z.enum(keySorts),
    order: z.enum(['asc', 'desc']),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, `expected a whole number from 1 to ${maxKeyListLimit}`)
      .transform(Number)
      .refine((limit) => limit >= 1 && limit <= maxKeyListLimit, `expected 1 to ${maxKeyListLimit}`),
    cursor: z.string().max(512),
    // One key by id: how the console shows a key found by POST /api/keys/find, whose secret must
    // not travel in a URL.
    id: z.string().regex(/^[0-9a-f]{1,16}$/, 'expected a key id'),
  })
  .partial()
  .strict();

type Order = KeyQuery['order'];

/**
 * A page's end as the next request names it: opaque to clients, and bound to the sort and order it
 * was made for (a position in one order means nothing in another).
 */
export function encodeKeyListCursor(sort: KeyQuery['sort'], order: Order, position: KeyPosition): string {
  return Buffer.from(JSON.stringify([sort, order, position.value, position.id])).toString('base64url');
}

function decodeCursor(text: string, sort: KeyQuery['sort'], order: Order): KeyPosition | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) return undefined;
  const [cursorSort, cursorOrder, value, id] = decoded as unknown[];
  if (cursorSort !== sort || cursorOrder !== order) return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) return undefined;
  const valid = sort === 'id' ? value === id : typeof value === 'number' && Number.isFinite(value);
  return valid ? { value: value as number | string, id } : undefined;
}

/**
 * `GET /api/keys`' query string, or what is wrong with it. `exactId` is left to the caller, which
 * knows how the pool names keys.
 */
export function parseKeyListQuery(raw: unknown): { query: KeyQuery } | { problem: string } {
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    return {
      problem: parsed.error.issues
        .map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`)
        .join('; '),
    };
  }
  const { cursor, q, limit, sort = 'id', order = 'asc', ...filters } = parsed.data;
  const text = q?.trim();
  let after: KeyPosition | undefined;
  if (cursor !== undefined) {
    after = decodeCursor(cursor, sort, order);
    if (!after)
      return { problem: 'cursor: not one this list gave for this sort and order; start again without it' };
  }
  return {
    query: {
      ...filters,
      ...(text ? { text } : {}),
      sort,
      order,
      limit: limit ?? defaultLimit,
      ...(after ? { after } : {}),
    },
  };
}
