/** What an operator wrote about a key: a note, and tags to find it by. */
export interface KeyMeta {
  readonly note: string;
  readonly tags: readonly string[];
}

/** Where notes and tags outlive the process; the gateway reads them all at start and filters in memory. */
export interface KeyMetaStore {
  loadAll(): Promise<Map<string, KeyMeta>>;
  /** Replaces what is kept for the key; an empty note with no tags deletes the row. */
  put(id: string, meta: KeyMeta, nowMs: number): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
}

/** A tag: 1 to 32 of letters, digits, `_`, `.` and `-`, so it reads the same in a URL, a log and a file. */
export const keyTagPattern = /^[A-Za-z0-9_.-]{1,32}$/;
export const maxKeyTags = 20;
export const maxKeyNoteLength = 500;
