/** Where Google (or an operator's relay in front of it) lives: an origin and an optional path prefix. */
export interface UpstreamBase {
  readonly origin: string;
  /** Path before the API version, without a trailing slash: `''` for Google itself. */
  readonly pathPrefix: string;
}

/**
 * Accepts the seed's `https://generativelanguage.googleapis.com/v1beta` form as well as a bare
 * origin: the API version is taken from each client request, so a trailing version is dropped.
 */
export function parseBaseUrl(text: string): UpstreamBase {
  const base = parseUrlBase(text);
  return { ...base, pathPrefix: base.pathPrefix.replace(/\/(v1beta|v1alpha|v1)$/, '') };
}

/**
 * VERTEX_EXPRESS_BASE_URL: the whole path is kept, its API version included
 * (`https://aiplatform.googleapis.com/v1beta1/publishers/google`), since a client's version names
 * the Gemini API's, not Vertex AI's.
 */
export function parseVertexBaseUrl(text: string): UpstreamBase {
  return parseUrlBase(text, 'https://aiplatform.googleapis.com/v1beta1/publishers/google');
}

/** The seed's VERTEX_EXPRESS_BASE_URL, Google's own. */
export const defaultVertexBase: UpstreamBase = parseVertexBaseUrl(
  'https://aiplatform.googleapis.com/v1beta1/publishers/google',
);

function parseUrlBase(text: string, example = 'https://generativelanguage.googleapis.com'): UpstreamBase {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`expected an http(s) URL such as ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http or https URL');
  if (url.search || url.hash) throw new Error('expected a URL without query or fragment');
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
}
