/**
 * A file uploaded through the gateway (Google's Files API): it lives in the Google project of the
 * key that uploaded it, so every later call naming it must use that key, and only the client that
 * uploaded it may see it (FILES_USER_ISOLATION_ENABLED).
 */
export interface StoredFile {
  /** `files/{id}`, as Google names it. */
  readonly name: string;
  readonly keyId: string;
  /** The uploading client's id (core/client-identity.ts): never its token. */
  readonly clientId: string;
  readonly createdAtMs: number;
  /** When Google deletes it (48 hours after the upload). */
  readonly expiresAtMs: number;
  /** Google's File resource as the upload's last answer gave it, JSON. */
  readonly resource: string;
}

/** Where the files' records live: the database every instance shares. */
export interface FileStore {
  add(file: StoredFile): Promise<void>;
  /** The file by name, unless it has expired by `nowMs`. */
  find(name: string, nowMs: number): Promise<StoredFile | undefined>;
  /**
   * Files not expired by `nowMs`, by name, after `after` (a page's last name); one client's, or
   * every client's for `clientId` null.
   */
  list(
    clientId: string | null,
    nowMs: number,
    page: { readonly size: number; readonly after?: string },
  ): Promise<StoredFile[]>;
  remove(name: string): Promise<void>;
  /** Forgets files Google has deleted by now; how many. */
  removeExpired(nowMs: number): Promise<number>;
}
