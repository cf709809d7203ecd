import { exceedsJsonDepth, maxJsonDepth } from './exceeds-json-depth.js';

// JSON must be UTF-8 (RFC 8259): a decoder that replaced bad bytes would send Google text the
// client never wrote.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type ParsedJsonObject =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly problem: string };

/**
 * A request body the gateway itself reads, as a JSON object; or what it is instead (`not valid
 * JSON`, ...), to complete a sentence such as "the body is …". Pure.
 */
export function parseJsonObject(body: Buffer): ParsedJsonObject {
  if (exceedsJsonDepth(body)) return { ok: false, problem: `nested deeper than ${maxJsonDepth} levels` };
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, problem: 'not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not valid JSON' };
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? { ok: true, value: parsed as Record<string, unknown> }
    : { ok: false, problem: 'not a JSON object' };
}
