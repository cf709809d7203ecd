/**
 * A resource of Google's that lives in the project of one key — a file uploaded through the
 * gateway (`files/…`) or a cached content (`cachedContents/…`) — so every later call naming it
 * must use that key (the pin), and only the client that made it may see it
 * (FILES_USER_ISOLATION_ENABLED). Kept in the database, so every instance knows every pin.
 */
export interface PinnedResource {
  /** `files/{id}` or `cachedContents/{id}`, as Google names it. */
  readonly name: string;
  readonly keyId: string;
  /** The client's id (core/client-identity.ts): never its token. */
  readonly clientId: string;
  readonly createdAtMs: number;
  /** When Google deletes it (a file 48 hours after its upload; a cache at its expireTime). */
  readonly expiresAtMs: number;
  /** Google's resource as its last answer gave it, JSON. */
  readonly resource: string;
}

/** Which resources a list is of: the prefix of their names. */
export type PinnedKind = 'files/' | 'cachedContents/';

export interface PinnedResourceStore {
  /** Keeps the resource, replacing one of the same name. */
  put(resource: PinnedResource): Promise<void>;
  /** The resource by name, unless it has expired by `nowMs`. */
  find(name: string, nowMs: number): Promise<PinnedResource | undefined>;
  /**
   * Resources of one kind not expired by `nowMs`, by name, after `after` (a page's last name); one
   * client's, or every client's for `clientId` null.
   */
  list(
    kind: PinnedKind,
    clientId: string | null,
    nowMs: number,
    page: { readonly size: number; readonly after?: string },
  ): Promise<PinnedResource[]>;
  remove(name: string): Promise<void>;
  /** Forgets resources Google has deleted by now; how many. */
  removeExpired(nowMs: number): Promise<number>;
}
