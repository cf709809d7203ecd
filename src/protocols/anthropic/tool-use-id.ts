// Gemini 3 rejects a later turn whose function call lost its thought signature (PROTOCOLS.md §4).
// An Anthropic tool_use has no field for it, but every client sends the block's id back (its
// tool_result names it): the signature rides in the id, base64url, inside Anthropic's id alphabet
// (`^[a-zA-Z0-9_-]+$`). The random part holds no `_`, so the marker after it is found unambiguously.
const prefix = 'toolu_';
const marker = '_ts_';

/** A tool_use id, carrying the thought signature when there is one. */
export function createToolUseId(random: string, thoughtSignature?: string): string {
  const id = `${prefix}${random.replaceAll('_', '-')}`;
  if (!thoughtSignature) return id;
  return `${id}${marker}${Buffer.from(thoughtSignature, 'base64').toString('base64url')}`;
}

/** The thought signature a tool_use id carries back, if any (ids of other origins carry none). */
export function thoughtSignatureOfToolUseId(id: string): string | undefined {
  if (!id.startsWith(prefix)) return undefined;
  const at = id.indexOf(marker, prefix.length);
  if (at === -1) return undefined;
  return Buffer.from(id.slice(at + marker.length), 'base64url').toString('base64');
}
