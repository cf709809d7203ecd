/** The key list's answers as the operator API sends them (src/http/admin-key-routes.ts), and pure helpers. */

export type KeyState = 'active' | 'resting' | 'disabled' | 'refused';
export const keyStates: readonly KeyState[] = ['active', 'resting', 'disabled', 'refused'];
export type KeySort = 'id' | 'requests' | 'failures' | 'lastError' | 'restingUntil';
export const keySorts: readonly KeySort[] = ['id', 'requests', 'failures', 'lastError', 'restingUntil'];
export const pageSizes = [25, 50, 100, 200, 500] as const;
/** Error classes a key's last error may have (src/core/failure-group.ts), offered in the filter. */
export const errorClasses = [
  'invalid-key',
  'suspended',
  'refused',
  'unconfirmed-refusal',
  'quota-minute',
  'quota-day',
  'rate-limited',
  'precondition',
  'upstream-error',
  'timeout',
  'connection',
  'proxy',
] as const;

export interface KeyModel {
  readonly model: string;
  readonly restingUntil: string | null;
  readonly reason: string | null;
  readonly rateLimitStreak: number;
  readonly softFailures: number;
}

export interface KeyItem {
  readonly id: string;
  readonly masked: string;
  readonly source: 'settings' | 'runtime';
  /** Vertex AI express keys (VERTEX_API_KEYS) are a pool of their own. */
  readonly kind: 'ai-studio' | 'vertex-express';
  readonly status: 'active' | 'disabled';
  readonly state: KeyState;
  readonly note: string;
  readonly tags: readonly string[];
  readonly disabled: { readonly reason: string; readonly since: string | null } | null;
  readonly lastError: {
    readonly status: number | null;
    readonly type: string;
    readonly message: string;
    readonly at: string | null;
  } | null;
  readonly models: readonly KeyModel[];
  readonly usage: {
    readonly requests: number;
    readonly failures: number;
    readonly models: Readonly<Record<string, { readonly thisMinute: number; readonly today: number }>>;
  };
}

export type KeyCounts = Record<KeyState | 'total', number>;

export interface KeyList {
  readonly items: readonly KeyItem[];
  readonly counts: KeyCounts;
  readonly matched: number;
  readonly nextCursor: string | null;
}

export interface VerificationJob {
  readonly id: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly total: number;
  readonly done: number;
  readonly results: { readonly serves: number; readonly refused: number; readonly unknown: number };
  readonly error?: string;
}

/** The list's filters, as the page's URL query and GET /api/keys name them. */
export interface KeyFilters {
  readonly state?: string;
  readonly model?: string;
  readonly tag?: string;
  readonly source?: string;
  readonly errorClass?: string;
  readonly q?: string;
  /** One key, found by POST /api/keys/find (a whole key typed into the search). */
  readonly id?: string;
  readonly sort?: string;
  readonly order?: string;
  readonly limit?: string;
}

const filterNames = [
  'state',
  'model',
  'tag',
  'source',
  'errorClass',
  'q',
  'id',
  'sort',
  'order',
  'limit',
] as const;

export function filtersOf(query: URLSearchParams): KeyFilters {
  const filters: Record<string, string> = {};
  for (const name of filterNames) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** Whether a filter narrows which keys match (sort, order and page size do not). */
export function narrows(filters: KeyFilters): boolean {
  return Boolean(
    filters.state ||
      filters.model ||
      filters.tag ||
      filters.source ||
      filters.errorClass ||
      filters.q ||
      filters.id,
  );
}

/**
 * Whether search text is a whole key rather than part of one: such text is looked up by POST, never
 * put in a URL (proxies and access logs keep URLs).
 */
export function looksLikeWholeKey(text: string): boolean {
  const trimmed = text.trim();
  return /^AIza[\w-]{30,}$/.test(trimmed) || (trimmed.length > 30 && !/\s/.test(trimmed));
}

/** Tags as typed: separated by commas or spaces, each kept once. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((tag) => tag !== ''))];
}
