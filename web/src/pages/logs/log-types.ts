/** What the log API answers (src/http/log-routes.ts), and the log search's filters as the URL holds them. */

export type LogView = 'requests' | 'errors';

export interface KeyName {
  readonly id: string;
  /** The key's mask; null once the key is gone from the pool. */
  readonly masked: string | null;
}

export interface ClientName {
  readonly id: string;
  readonly label: string | null;
}

interface RowHead {
  readonly id: number;
  readonly at: string;
  readonly route: string;
  readonly model: string | null;
  readonly key: KeyName | null;
  readonly failureGroup: string | null;
  readonly client: ClientName | null;
  readonly instance: string | null;
  readonly requestRef: string | null;
}

export interface RequestRow extends RowHead {
  readonly status: number;
  readonly success: boolean;
  readonly errorClass: string | null;
  readonly latencyMs: number;
  readonly attempts: number;
  readonly stream: boolean;
  readonly tokens: {
    readonly input: number;
    readonly output: number | null;
    readonly thoughts: number | null;
    readonly cached: number | null;
  } | null;
}

export interface ErrorRow extends RowHead {
  readonly status: number | null;
  readonly errorType: string;
  readonly message: string;
  readonly messageTruncated: boolean;
  readonly hasRequestBody?: boolean;
  readonly requestBody?: string | null;
}

export interface Attempt {
  readonly key: KeyName | null;
  readonly status: number | null;
  readonly outcome: string;
  readonly ms: number;
}

export interface RequestDetail extends RequestRow {
  readonly attemptTrace: Attempt[];
  readonly errors: ErrorRow[];
  readonly requestBody: string | null;
}

export interface LogPage<Row> {
  readonly items: Row[];
  readonly nextCursor: string | null;
  /** Present when a page stopped at the edge of the window it may read: the time read through. */
  readonly scannedThrough?: string;
}

/** The filters, named as the API's query parameters (the dashboard links here with them). */
export const filterNames = [
  'from',
  'to',
  'key',
  'model',
  'route',
  'status',
  'outcome',
  'client',
  'text',
] as const;
export type FilterName = (typeof filterNames)[number];
export type Filter = Partial<Record<FilterName, string>>;

/** Outcome classes the gateway writes (keypool/classify-outcome.ts and its own), offered as suggestions. */
export const outcomeClasses = [
  'ok',
  'quota-minute',
  'quota-day',
  'rate-limited',
  'key-resting',
  'precondition',
  'invalid-key',
  'suspended',
  'refused',
  'unconfirmed-refusal',
  'upstream-error',
  'stream-error',
  'timeout',
  'stream-timeout',
  'connection',
  'stream-connection',
  'proxy',
  'client-error',
  'no-usable-key',
  'client-closed',
] as const;

export const viewOf = (query: URLSearchParams): LogView =>
  query.get('view') === 'errors' ? 'errors' : 'requests';

export function filterOf(query: URLSearchParams): Filter {
  const filter: Filter = {};
  for (const name of filterNames) {
    const value = query.get(name)?.trim();
    if (value) filter[name] = value;
  }
  return filter;
}

export const orderOf = (query: URLSearchParams): 'asc' | 'desc' =>
  query.get('order') === 'asc' ? 'asc' : 'desc';

/** The page's URL query: view, filters and order, nothing empty (the default order left out). */
export function queryOf(
  view: LogView,
  filter: Filter,
  order: 'asc' | 'desc',
): Record<string, string | undefined> {
  return { view, ...filter, order: order === 'asc' ? 'asc' : undefined };
}

export const hasFilter = (filter: Filter): boolean => filterNames.some((name) => filter[name] !== undefined);

/** An ISO time (or epoch milliseconds) as a datetime-local input shows it, in the browser's zone. */
export function localInputOf(value: string | undefined): string {
  if (!value) return '';
  const date = new Date(/^\d+$/.test(value) ? Number(value) : value);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A datetime-local input's value as the ISO time the API reads; undefined when empty or invalid. */
export function isoOfLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A body as the detail shows it: indented when it is JSON, else as it was stored. */
export function prettyBody(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export const keyLabel = (key: KeyName | null): string => (key === null ? '—' : (key.masked ?? key.id));
export const clientLabel = (client: ClientName | null): string =>
  client === null ? '—' : (client.label ?? client.id);
