/** The operator API as the console calls it: JSON in and out, the session cookie sent by the browser. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called whenever the API answers 401: the session ended (expired, signed out elsewhere, token changed). */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `path` with the query's set values appended. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function messageOf(body: unknown, status: number): string {
  const error = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
}

export interface CallOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** One call of the operator API; throws ApiError on any answer but 2xx. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
    credentials: 'same-origin',
  };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.signal) init.signal = options.signal;
  const response = await fetch(path, init);
  const type = response.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await response.json() : await response.text();
  if (response.status === 401 && path !== '/api/auth/login') {
    for (const listener of signedOutListeners) listener();
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(body, response.status), body);
  return body as T;
}

/** Saves an answer of the API as a file (exports), through a link the browser downloads. */
export function download(path: string): void {
  const link = document.createElement('a');
  link.href = path;
  link.rel = 'noopener';
  link.download = '';
  document.body.append(link);
  link.click();
  link.remove();
}
