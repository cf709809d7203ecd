export type OpenAICompatPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly status: 400 | 404 | 405; readonly message: string };

/**
 * The resources of Google's OpenAI-compatible endpoint (`/v1beta/openai/...`) the passthrough
 * serves. Files and batches are left out: they belong to the project of the key that created them,
 * which a pool choosing a key per call cannot honour.
 */
const resources: readonly { readonly pattern: RegExp; readonly method: string }[] = [
  { pattern: /^chat\/completions$/, method: 'POST' },
  { pattern: /^embeddings$/, method: 'POST' },
  { pattern: /^images\/generations$/, method: 'POST' },
  { pattern: /^models$/, method: 'GET' },
  // Google accepts a model id as `x` or `models/x`.
  { pattern: /^models\/(?:models\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/, method: 'GET' },
];

// Letters, digits and `._-/` are all a valid resource path needs. Anything else — `%` (an encoded
// `/`, `?`, `#` or CR/LF), `\`, `?`, spaces, control and non-ASCII characters — is refused rather
// than normalised, so the path Google sees is exactly the one checked here.
const pathCharacters = /^[A-Za-z0-9._/-]*$/;

/**
 * `/openai/v1/{rest}` → the upstream path, when `rest` (raw, as the client sent it, without the
 * query) names a resource of the compatible endpoint and `method` is the one it takes.
 */
export function parseOpenAICompatPath(rest: string, method: string): OpenAICompatPath {
  if (!pathCharacters.test(rest)) {
    return {
      ok: false,
      status: 400,
      message: "The path may contain only letters, digits, '.', '_', '-' and '/'.",
    };
  }
  if (rest.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return { ok: false, status: 400, message: "The path may not contain empty, '.' or '..' segments." };
  }
  const resource = resources.find((candidate) => candidate.pattern.test(rest));
  if (!resource) return { ok: false, status: 404, message: `Unknown resource /openai/v1/${rest}.` };
  if (resource.method !== method) {
    return { ok: false, status: 405, message: `/openai/v1/${rest} takes ${resource.method}.` };
  }
  return { ok: true, path: `/v1beta/openai/${rest}` };
}
