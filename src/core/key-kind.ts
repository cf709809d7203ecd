/**
 * Which upstream serves a key: `ai-studio`, Google AI Studio's Gemini API at BASE_URL (API_KEYS and
 * keys added through the operator API), or `vertex-express`, Vertex AI in express mode at
 * VERTEX_EXPRESS_BASE_URL (VERTEX_API_KEYS, served under `/vertex-express/v1beta`). A kind is an
 * endpoint file in upstream/endpoints/ and a pool of its own within the key pool: a request names
 * the kind it selects from.
 */
export type KeyKind = 'ai-studio' | 'vertex-express';

export const keyKinds: readonly KeyKind[] = ['ai-studio', 'vertex-express'];

/** The kind of a key that names none. */
export const defaultKeyKind: KeyKind = 'ai-studio';
