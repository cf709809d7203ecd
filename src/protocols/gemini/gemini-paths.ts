/** `gemini-2.5-flash:generateContent` → model and method; undefined when there is no method. */
export function parseModelTarget(target: string): { model: string; method: string } | undefined {
  const colon = target.lastIndexOf(':');
  if (colon <= 0 || colon === target.length - 1) return undefined;
  return { model: target.slice(0, colon), method: target.slice(colon + 1) };
}

/**
 * The query string to send upstream: the client's own, minus `key` (the client's token, which is
 * not Google's key and must not travel on).
 */
export function upstreamQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const query = url.slice(start + 1);
  if (!/(^|&)key=/i.test(query)) return query;
  return query
    .split('&')
    .filter((parameter) => !/^key=/i.test(parameter))
    .join('&');
}

/** Removes FILTERED_MODELS from a `models.list` page; other fields (nextPageToken) stay. */
export function filterModelList(body: Buffer, hidden: ReadonlySet<string>): Buffer {
  if (hidden.size === 0) return body;
  const page = JSON.parse(body.toString('utf8')) as { models?: { name?: string }[] };
  if (!Array.isArray(page.models)) return body;
  page.models = page.models.filter((model) => !hidden.has(String(model.name ?? '').replace(/^models\//, '')));
  return Buffer.from(JSON.stringify(page));
}
