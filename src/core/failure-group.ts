/**
 * The headline reasons requests fail, as operators ask about them: quota per minute or per day,
 * no free tier for the model (or the project's region), a key invalid or suspended, Google's own
 * trouble, timeouts, the client's mistakes. Outcome classes (describeOutcome, and the gateway's
 * own) map onto them.
 */
export type FailureGroup =
  | 'per-minute'
  | 'per-day'
  | 'no-free-tier'
  | 'invalid-key'
  | 'suspended'
  | 'refused'
  | 'google-5xx'
  | 'timeout'
  | 'connection'
  | 'client-error'
  | 'no-usable-key'
  | 'client-closed'
  | 'gateway';

const groups: Readonly<Record<string, FailureGroup>> = {
  'quota-minute': 'per-minute',
  // A 429 without a quota id Google names: in practice a short rest, as per minute.
  'rate-limited': 'per-minute',
  'key-resting': 'per-minute',
  'quota-day': 'per-day',
  precondition: 'no-free-tier',
  'invalid-key': 'invalid-key',
  suspended: 'suspended',
  refused: 'refused',
  'unconfirmed-refusal': 'refused',
  'upstream-error': 'google-5xx',
  'stream-error': 'google-5xx',
  timeout: 'timeout',
  'stream-timeout': 'timeout',
  connection: 'connection',
  'stream-connection': 'connection',
  // An outbound proxy (PROXIES) that failed a call: a connection that could not be made.
  proxy: 'connection',
  'client-error': 'client-error',
  'no-usable-key': 'no-usable-key',
  'client-closed': 'client-closed',
};

/** The group of a failure's outcome class; undefined for `ok`. Anything unknown is the gateway's. */
export function failureGroupOf(outcome: string): FailureGroup | undefined {
  if (outcome === 'ok') return undefined;
  return groups[outcome] ?? 'gateway';
}
