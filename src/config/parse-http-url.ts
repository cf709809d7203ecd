/**
 * An http(s) URL a setting names a service by (S3_ENDPOINT, S3_PUBLIC_URL): kept as written, minus
 * its trailing slashes, so a path can be appended. Credentials in it are refused: they have
 * settings of their own, masked, and a URL is shown and used in places a secret must not be.
 */
export function parseHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error('expected an http(s) URL such as https://storage.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('expected an http or https URL');
  if (url.username || url.password)
    throw new Error('expected a URL without user or password (credentials have settings of their own)');
  if (url.search || url.hash) throw new Error('expected a URL without query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
