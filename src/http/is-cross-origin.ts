type Headers = Readonly<Record<string, string | string[] | undefined>>;

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
};

/**
 * Whether a request was sent by a page of another origin: its Origin (or, without one, its
 * Referer) names a host other than the one it was sent to (Host, or X-Forwarded-Host behind a
 * proxy that rewrites Host), or Sec-Fetch-Site says so. A page cannot forge these on a form post,
 * and one that sets headers of its own needs a CORS preflight the operator API never grants. A
 * request that names no origin at all (curl, a script) is not a page's, so it is not refused.
 */
export function isCrossOrigin(headers: Headers): boolean {
  const hosts = [headers.host, headers['x-forwarded-host']].filter(
    (host): host is string => typeof host === 'string' && host !== '',
  );
  const sameHost = (url: string) => {
    const host = hostOf(url);
    return host !== undefined && hosts.includes(host);
  };
  const origin = headers.origin;
  // `Origin: null` is an opaque origin: a sandboxed page, a redirect across origins, a file.
  if (typeof origin === 'string') return !sameHost(origin);
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const referer = headers.referer;
  if (typeof referer === 'string') return !sameHost(referer);
  return false;
}
