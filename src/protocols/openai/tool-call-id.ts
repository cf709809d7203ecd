import type { OpenAIToolCall } from './openai-types.js';

// Gemini 3 rejects a later turn whose function call lost its thought signature (PROTOCOLS.md §4).
// The signature rides along in two places: `extra_content.google.thought_signature`, where Google's
// own OpenAI layer puts it, and the tool call's id, which every client sends back even when it
// rebuilds the message from its parts.
const marker = '_ts_';
const prefix = 'call_';

/**
 * A tool call id, carrying the thought signature (base64url) when there is one. The random part
 * loses its `_`s (base64url has them), so the first marker in an id is always the one put there:
 * a random part spelling `_ts_` would otherwise hand Gemini a piece of it as the signature.
 */
export function createToolCallId(random: string, thoughtSignature?: string): string {
  const id = `${prefix}${random.replaceAll('_', '')}`;
  if (!thoughtSignature) return id;
  return `${id}${marker}${Buffer.from(thoughtSignature, 'base64').toString('base64url')}`;
}

/** The thought signature a client's tool call carries back, if any. */
export function thoughtSignatureOf(call: Pick<OpenAIToolCall, 'id' | 'extra_content'>): string | undefined {
  const carried = call.extra_content?.google?.thought_signature;
  if (carried) return carried;
  // After the prefix, whose `_` could start a marker with a random part beginning `ts`.
  const at = call.id?.indexOf(marker, call.id.startsWith(prefix) ? prefix.length : 0) ?? -1;
  if (at === -1) return undefined;
  return Buffer.from(call.id.slice(at + marker.length), 'base64url').toString('base64');
}
