/**
 * REDIS_URL: empty for one instance on its own, or the Redis that instances share state through:
 * `redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS. A problem is described
 * without the value, which may hold a password.
 */
export function parseRedisUrl(text: string): string {
  const value = text.trim();
  if (value === '') return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('expected redis://host:6379/0 (rediss:// for TLS)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new Error('expected a redis:// or rediss:// address');
  if (url.hostname === '') throw new Error('the address names no host');
  if (!/^\/?(\d{1,2})?$/.test(url.pathname))
    throw new Error('the path, if any, is a database number such as /0');
  return value;
}
