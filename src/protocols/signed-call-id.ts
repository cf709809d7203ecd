// Gemini 3 rejects a later turn whose function call lost its thought signature (PROTOCOLS.md §4).
// Every client protocol sends a call's id back with its result, so the signature rides in the id:
// `{prefix}{random}_ts_{signature as base64url}`, inside the id alphabets of OpenAI and Anthropic
// (`[a-zA-Z0-9_-]`). The random part's own `_`s become `-`, so the first marker after the prefix is
// always the one put there: a random part spelling `_ts_` would otherwise hand Gemini a piece of it
// as the signature.
const marker = '_ts_';

/** A call id with `prefix` (`call_`, `toolu_`), carrying the thought signature when there is one. */
export function createSignedCallId(prefix: string, random: string, thoughtSignature?: string): string {
  const id = `${prefix}${random.replaceAll('_', '-')}`;
  if (!thoughtSignature) return id;
  return `${id}${marker}${Buffer.from(thoughtSignature, 'base64').toString('base64url')}`;
}

/** The thought signature a call id of `prefix` carries back, if any (ids of other origins carry none). */
export function signatureInCallId(prefix: string, id: string): string | undefined {
  if (!id.startsWith(prefix)) return undefined;
  const at = id.indexOf(marker, prefix.length);
  if (at === -1) return undefined;
  return Buffer.from(id.slice(at + marker.length), 'base64url').toString('base64');
}
