import { createSignedCallId, signatureInCallId } from '../signed-call-id.js';
import type { OpenAIToolCall } from './openai-types.js';

// Gemini 3's thought signature rides along in two places: `extra_content.google.thought_signature`,
// where Google's own OpenAI layer puts it, and the tool call's id, which every client sends back
// even when it rebuilds the message from its parts.
const prefix = 'call_';

/** A tool call id, carrying the thought signature (base64url) when there is one. */
export const createToolCallId = (random: string, thoughtSignature?: string): string =>
  createSignedCallId(prefix, random, thoughtSignature);

/** The thought signature a client's tool call carries back, if any. */
export function thoughtSignatureOf(call: Pick<OpenAIToolCall, 'id' | 'extra_content'>): string | undefined {
  return call.extra_content?.google?.thought_signature || signatureInCallId(prefix, call.id ?? '');
}
