import type { GeminiErrorInfo } from '../../core/gemini-error-info.js';
import type { AnthropicErrorBody } from './anthropic-types.js';

// Anthropic's errors (PROTOCOLS.md §5): `{"type":"error","error":{"type","message"}}`, the type
// following the status. Anthropic uses invalid_request_error for any 4xx it does not name.

const typeByStatus: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/**
 * The status an Anthropic client gets for the gateway's or Google's: Google's 503 ("The model is
 * overloaded") is Anthropic's 529 overloaded_error, which its clients retry and explain as such;
 * any other status is kept.
 */
export function anthropicStatusOf(status: number): number {
  return status === 503 ? 529 : status;
}

/** Anthropic's error body for a status (as anthropicStatusOf gives it). */
export function createAnthropicErrorBody(status: number, message: string): AnthropicErrorBody {
  const type = typeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message } };
}

/** Google's error as an Anthropic client reads it, for Google's status. */
export function convertGeminiErrorToAnthropic(status: number, error: GeminiErrorInfo): AnthropicErrorBody {
  return createAnthropicErrorBody(anthropicStatusOf(status), error.message || `Upstream error ${status}`);
}
