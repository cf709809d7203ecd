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
  // A 200 whose body is not what the method returns: empty, not JSON, or its main field null.
  'malformed-empty',
  'malformed-text',
  'malformed-null',
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

export type MalformedBehaviour = Extract<FakeBehaviour, `malformed-${string}`>;

export function isMalformedBehaviour(behaviour: FakeBehaviour): behaviour is MalformedBehaviour {
  return behaviour.startsWith('malformed-');
}

/** The field each method's answer is about, which `malformed-null` sends as null. */
const mainFieldByMethod: Record<string, string> = {
  generateContent: 'candidates',
  streamGenerateContent: 'candidates',
  countTokens: 'totalTokens',
  embedContent: 'embedding',
  batchEmbedContents: 'embeddings',
  predict: 'predictions',
  'chat/completions': 'choices',
  embeddings: 'data',
};

/**
 * The body of a malformed 200 for a method (native, or an OpenAI-compatible endpoint). The text is
 * what a proxy in front of Google sends when its upstream connection fails.
 */
export function malformedBody(behaviour: MalformedBehaviour, method: string): string {
  switch (behaviour) {
    case 'malformed-empty':
      return '';
    case 'malformed-text':
      return 'upstream connect error or disconnect/reset before headers. reset reason: connection termination';
    case 'malformed-null':
      return JSON.stringify({ [mainFieldByMethod[method] ?? 'candidates']: null });
  }
}
