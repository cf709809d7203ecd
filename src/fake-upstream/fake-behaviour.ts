/**
 * What the fake upstream does for a key. A key whose name starts with `<behaviour>-` (for example
 * `quota-minute-1`) behaves that way unless a test scripts it otherwise; any other key is healthy.
 */
export const fakeBehaviours = [
  'ok',
  'invalid',
  'suspended',
  'precondition',
  'quota-minute',
  'quota-day',
  'quota-unknown',
  'limited',
  'internal',
  'overloaded',
  'deadline',
  'slow',
  'stall',
  'drop',
  'reset',
  'flaky',
] as const;

export type FakeBehaviour = (typeof fakeBehaviours)[number];

/** Behaviours of the key itself: every call with the key gets them, including model list and get. */
const keyWide = new Set<FakeBehaviour>(['invalid', 'suspended', 'reset']);

export function appliesTo(behaviour: FakeBehaviour, isGenerationCall: boolean): boolean {
  return isGenerationCall || keyWide.has(behaviour);
}

const byPrefixLength = [...fakeBehaviours].sort((a, b) => b.length - a.length);

export function behaviourOfKey(key: string): FakeBehaviour {
  return byPrefixLength.find((behaviour) => key.startsWith(`${behaviour}-`)) ?? 'ok';
}

export function isFakeBehaviour(value: unknown): value is FakeBehaviour {
  return typeof value === 'string' && (fakeBehaviours as readonly string[]).includes(value);
}
