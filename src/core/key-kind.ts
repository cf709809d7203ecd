/**
 * Which upstream serves a key: `ai-studio`, Google AI Studio's Gemini API at BASE_URL, the only kind
 * today. A new kind (Vertex AI express, issue 12) is a name here, an endpoint file in
 * upstream/endpoints/, and its entry in the upstream client's `endpoints`. The key pool carries it
 * on each key; selection does not look at it.
 */
export type KeyKind = 'ai-studio';

/** The kind of a key that names none. */
export const defaultKeyKind: KeyKind = 'ai-studio';
