import { parseList } from './parse-list.js';

/**
 * CORS_ALLOWED_ORIGINS: `*` (any origin, the default, as gemini-balance allowed) or a list of
 * origins as browsers send them in the `Origin` header (`https://chat.example.com`,
 * `http://localhost:3000`). Entries are normalized the way browsers serialize an origin (lower-case
 * scheme and host, no default port, no trailing slash), so a list entry matches the header exactly.
 */
export function parseOriginList(text: string): string[] {
  const entries = parseList(text);
  if (entries.includes('*')) {
    if (entries.length > 1) throw new Error('expected either * alone or a list of origins, not both');
    return ['*'];
  }
  return entries.map((entry, index) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    // An origin has no path, query, fragment or credentials: anything more would never match.
    if (!url || !/^https?:\/\/[^/?#@\s]+\/?$/i.test(entry)) {
      throw new Error(
        `entry ${index + 1}: expected an origin such as https://chat.example.com (scheme, host and port only)`,
      );
    }
    return url.origin;
  });
}
