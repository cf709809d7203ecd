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
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error('expected an http(s) URL such as https://generativelanguage.googleapis.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http or https URL');
  if (url.search || url.hash) throw new Error('expected a URL without query or fragment');
  const pathPrefix = url.pathname.replace(/\/+$/, '').replace(/\/(v1beta|v1alpha|v1)$/, '');
  return { origin: url.origin, pathPrefix };
}
