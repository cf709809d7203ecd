import type { GeminiResponse } from './gemini-types.js';

/** One event of a Gemini stream, read: a chunk of the answer, or an error that ends the stream. */
export type GeminiStreamEvent =
  | { readonly kind: 'chunk'; readonly response: GeminiResponse }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly message: string;
      /**
       * True when the event could not be read at all (not JSON, not an object): neither Google's
       * answer nor Google's error, so no key is blamed for it.
       */
      readonly malformed: boolean;
    };

const malformed = (message: string): GeminiStreamEvent => ({
  kind: 'error',
  status: 502,
  message,
  malformed: true,
});

/**
 * Reads one event's data. Never throws: a stream from a relay at BASE_URL, or a hostile upstream,
 * may send anything, and one bad event must end that stream with an in-band error, not the process.
 */
export function parseGeminiStreamEvent(data: string): GeminiStreamEvent {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    // Deep nesting throws RangeError here too: caught alike.
    return malformed('Google sent a malformed stream event (not JSON); the answer is incomplete.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return malformed('Google sent a stream event that is not a JSON object; the answer is incomplete.');
  }
  const error = (value as { error?: unknown }).error;
  if (error !== undefined) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    return {
      kind: 'error',
      status: typeof code === 'number' && code >= 400 && code <= 599 ? code : 500,
      message: typeof message === 'string' ? message : 'Upstream error',
      malformed: false,
    };
  }
  return { kind: 'chunk', response: value as GeminiResponse };
}
