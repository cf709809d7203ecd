/**
 * A request URL as logs and error messages may show it. Query parameters that may hold a secret lose
 * their values: a client's `key`, and the key list's search `q`, where an operator may paste a whole
 * key to find it. So does the path segment of gemini-balance's routes that name a raw key in the
 * path (`/gemini/v1beta/verify-key/{key}`, `/gemini/v1beta/reset-fail-count/{key}`), wherever such a
 * segment appears: a request sent under the wrong prefix or method still names the key.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&](?:key|q)=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/(?:verify-key|reset-fail-count)\/)[^/?#]+/gi, '$1[redacted]');
}

/** A request's path, without its query, as an error message may name it ("No route for …"). */
export const redactedPath = (url: string): string => redactUrl(url.split('?')[0] ?? '');
