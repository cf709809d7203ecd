import { derivedNamesOf, type ModelLists } from './resolve-model.js';

/** `gemini-2.5-flash:generateContent` → model and method; undefined when there is no method. */
export function parseModelTarget(target: string): { model: string; method: string } | undefined {
  const colon = target.lastIndexOf(':');
  if (colon <= 0 || colon === target.length - 1) return undefined;
  return { model: target.slice(0, colon), method: target.slice(colon + 1) };
}

// The query parameters the Gemini API defines for the calls the gateway relays: `alt` (`sse` for
// streams, `media` for file downloads), paging on the list methods, `updateMask` on patches, and the
// upload protocol's own (the resumable upload URL Google hands out carries `upload_id` and
// `upload_protocol`). Everything else stays here: `key` is the client's gemgate token, and
// `access_token` / `oauth_token` make Google read the call as OAuth and answer 401 for every
// key (the pool would blame healthy keys); `callback`, `fields`, `prettyPrint`, `quotaUser` and the
// like change the answer's shape or its accounting in ways the gateway does not expect.
const forwardedParameters: ReadonlySet<string> = new Set([
  'alt',
  'pageSize',
  'page_size',
  'pageToken',
  'page_token',
  'updateMask',
  'update_mask',
  'uploadType',
  'upload_id',
  'upload_protocol',
]);

/** A query name or value as a server reads it (`+` is a space); undefined when malformed. */
function decodeQueryComponent(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The query string to send upstream: only the parameters the Gemini API defines, compared after
 * percent-decoding (`%6Bey` is `key` to Google), values re-encoded.
 */
export function upstreamQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const query = url.slice(start + 1);
  // What the SDKs send on every stream call.
  if (query === 'alt=sse') return query;
  let forwarded = '';
  for (const parameter of query.split('&')) {
    const equals = parameter.indexOf('=');
    const name = decodeQueryComponent(equals === -1 ? parameter : parameter.slice(0, equals));
    if (name === undefined || !forwardedParameters.has(name)) continue;
    const value = decodeQueryComponent(equals === -1 ? '' : parameter.slice(equals + 1));
    if (value === undefined) continue;
    forwarded += `${forwarded ? '&' : ''}${name}=${encodeURIComponent(value)}`;
  }
  return forwarded;
}

/** A model's entry and, after it, the entries of the names derived from it, with what each adds. */
function withDerived(model: Record<string, unknown>, lists: ModelLists): Record<string, unknown>[] {
  const id = String(model.name ?? '').replace(/^models\//, '');
  return [
    model,
    ...derivedNamesOf(id, lists).map(([name, adds]) => ({
      ...model,
      name: `models/${name}`,
      ...(typeof model.displayName === 'string' ? { displayName: `${model.displayName} (${adds})` } : {}),
    })),
  ];
}

/**
 * A page of Google's model list as the gateway offers it: FILTERED_MODELS removed, and after each
 * model the seed's names derived from it (`-search`, `-image`, `-non-thinking`, per the settings'
 * lists), so that a client picking from the list finds them on the page of their model.
 */
export function adjustModelList(body: Buffer, hidden: ReadonlySet<string>, lists: ModelLists): Buffer {
  const derives = lists.searchModels.length + lists.imageModels.length + lists.thinkingModels.length > 0;
  if (hidden.size === 0 && !derives) return body;
  const page = JSON.parse(body.toString('utf8')) as { models?: Record<string, unknown>[] };
  if (!Array.isArray(page.models)) return body;
  page.models = page.models
    .filter((model) => !hidden.has(String(model?.name ?? '').replace(/^models\//, '')))
    .flatMap((model) => withDerived(model, lists));
  return Buffer.from(JSON.stringify(page));
}

/** Google's entry for a model as the entry of the name `derived` from it, as the list shows it. */
export function renameModel(body: Buffer, derived: string, lists: ModelLists): Buffer {
  const entry = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const renamed = withDerived(entry, lists).find((each) => each.name === `models/${derived}`);
  return renamed ? Buffer.from(JSON.stringify(renamed)) : body;
}
