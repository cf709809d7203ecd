import type { Generated } from 'kysely';

export interface RequestLogTable {
  id: Generated<number>;
  created_at: number;
  route: string;
  model: string | null;
  key_id: string | null;
  status: number;
  success: number;
  latency_ms: number;
  attempts: number;
  stream: number;
  input_tokens: number | null;
  output_tokens: number | null;
  thought_tokens: number | null;
  cached_tokens: number | null;
  /** On the first row of a batch: the batch's id, to tell whether a write cut off had landed. */
  write_id: string | null;
  client_id: string | null;
  /** Null when the request succeeded. */
  error_class: string | null;
  request_ref: string | null;
  instance: string | null;
  /** core/attempt-trace.ts */
  attempt_trace: string | null;
}

export interface ErrorLogTable {
  id: Generated<number>;
  created_at: number;
  route: string;
  model: string | null;
  key_id: string | null;
  status: number | null;
  error_type: string;
  message: string;
  request_body: string | null;
  /** As in request_log. */
  write_id: string | null;
  client_id: string | null;
  request_ref: string | null;
  instance: string | null;
}

export interface SettingTable {
  name: string;
  value: string;
  updated_at: number;
}

/** Keys an operator added at run time (API_KEYS come from the settings). */
export interface ApiKeyTable {
  id: string;
  secret: string;
  created_at: number;
}

/** The key pool's state per key, JSON, so a restart resumes where the pool stood. */
export interface KeyStateTable {
  key_id: string;
  state: string;
  requests: number;
  failures: number;
  updated_at: number;
}

/** An operator's note and tags for a key (tags a JSON array of strings). */
export interface KeyMetaTable {
  key_id: string;
  note: string;
  tags: string;
  updated_at: number;
}

/**
 * Per log table: the last row that may still name keys by their 8-character ids of before, and
 * the row through which they have been rewritten to the ids now.
 */
export interface KeyIdRewriteTable {
  log_table: 'request_log' | 'error_log';
  done_through: number;
  last_id: number;
}

/** An operator's session: the SHA-256 of its cookie value, and the token it was opened with. */
export interface AdminSessionTable {
  id_hash: string;
  /** core/admin-token.ts adminTokenFingerprint of the admin token in force at sign-in. */
  token_fingerprint: string;
  created_at: number;
  expires_at: number;
}

/** Measures of stat_rollup (storage/roll-up-requests.ts StatDelta), `lat_N` the latency histogram. */
export const statMeasures = [
  'requests',
  'attempts',
  'input_tokens',
  'output_tokens',
  'thought_tokens',
  'cached_tokens',
  'latency_ms_sum',
  // One per bucket of roll-up-requests.ts latencyBoundsMs, the last open.
  'lat_0',
  'lat_1',
  'lat_2',
  'lat_3',
  'lat_4',
  'lat_5',
  'lat_6',
  'lat_7',
  'lat_8',
  'lat_9',
  'lat_10',
  'lat_11',
] as const;

/** Measures of key_rollup (KeyDelta). */
export const keyMeasures = [
  'requests',
  'attempts',
  'failed_attempts',
  'answers_400',
  'answers_403',
  'answers_429',
  'answers_5xx',
  'input_tokens',
  'output_tokens',
] as const;

type Measures<Names extends readonly string[]> = { [Name in Names[number]]: number | string };

export type StatRollupTable = {
  span: string;
  bucket: number;
  model: string;
  route: string;
  client_id: string;
  outcome: string;
} & Measures<typeof statMeasures>;

export type KeyRollupTable = {
  span: string;
  bucket: number;
  key_id: string;
  model: string;
} & Measures<typeof keyMeasures>;

/** Per settled day and ranking, the keys that led it, with their figures (stats-repository.ts). */
export type KeyLeaderTable = {
  day: number;
  metric: string;
  key_id: string;
} & Measures<typeof keyMeasures>;

export interface PinnedResourceTable {
  name: string;
  key_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  resource: string;
}

export interface DatabaseSchema {
  stat_rollup: StatRollupTable;
  key_rollup: KeyRollupTable;
  key_leader: KeyLeaderTable;
  request_log: RequestLogTable;
  error_log: ErrorLogTable;
  setting: SettingTable;
  api_key: ApiKeyTable;
  key_state: KeyStateTable;
  key_meta: KeyMetaTable;
  key_id_rewrite: KeyIdRewriteTable;
  admin_session: AdminSessionTable;
  pinned_resource: PinnedResourceTable;
}

export type DatabaseDialect = 'sqlite' | 'mysql' | 'postgres';

/** request_log's token columns, in TokenCounts' order (input, output, thoughts, cached). */
export const tokenColumns = ['input_tokens', 'output_tokens', 'thought_tokens', 'cached_tokens'] as const;
