import type { KeyStateChange, PersistedKey } from './key-pool.js';

/** Where the pool's keys and states outlive the process (the database; Redis later). */
export interface KeyStore {
  /** Keys an operator added at run time (API_KEYS come from the settings). */
  loadRuntimeKeys(): Promise<string[]>;
  addRuntimeKeys(keys: readonly { id: string; secret: string }[], nowMs: number): Promise<void>;
  removeRuntimeKeys(ids: readonly string[]): Promise<void>;
  loadStates(): Promise<Map<string, PersistedKey>>;
  /**
   * Saves changed states, adding each change's counts to the stored ones (several instances save
   * the same keys); null deletes the key's state.
   */
  saveStates(changes: ReadonlyMap<string, KeyStateChange | null>, nowMs: number): Promise<void>;
}
