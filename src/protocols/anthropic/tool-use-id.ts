import { createSignedCallId, signatureInCallId } from '../signed-call-id.js';

// An Anthropic tool_use has no field for Gemini's thought signature, but every client sends the
// block's id back (its tool_result names it): the signature rides in the id.
const prefix = 'toolu_';

/** A tool_use id, carrying the thought signature when there is one. */
export const createToolUseId = (random: string, thoughtSignature?: string): string =>
  createSignedCallId(prefix, random, thoughtSignature);

/** The thought signature a tool_use id carries back, if any (ids of other origins carry none). */
export const thoughtSignatureOfToolUseId = (id: string): string | undefined => signatureInCallId(prefix, id);
