import type { GeminiErrorInfo } from '../../core/gemini-error-info.js';
import { RequestError } from '../request-error.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * A client request the OpenAI layer cannot translate: answered 400 in OpenAI's shape. Its checks
 * (check-json-type.ts) serve other surfaces too, whose routes catch any RequestError.
 */
export class OpenAIRequestError extends RequestError {
  constructor(message: string, param: string | null = null, status = 400, code: string | null = null) {
    super(message, param, status, code);
    this.name = 'OpenAIRequestError';
  }
}

const typeAndCode: Record<number, [string, string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['permission_error', 'permission_denied'],
  404: ['invalid_request_error', 'model_not_found'],
  413: ['invalid_request_error', 'request_too_large'],
  429: ['rate_limit_error', 'rate_limit_exceeded'],
};

/** OpenAI's error shape for a status; the status itself is kept so clients can back off. */
export function createOpenAIErrorBody(
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
): OpenAIErrorBody {
  const [type, statusCode] =
    typeAndCode[status] ?? (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
  return { error: { message, type, param, code: code ?? statusCode } };
}

/** Google's error as the OpenAI client expects to read it, status unchanged. */
export function convertGeminiErrorToOpenAI(status: number, error: GeminiErrorInfo): OpenAIErrorBody {
  return createOpenAIErrorBody(status, error.message || `Upstream error ${status}`);
}
