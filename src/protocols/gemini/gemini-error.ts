/** Google's RPC status names for the HTTP codes the gateway itself answers with. */
const rpcStatusByCode: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'INVALID_ARGUMENT',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export interface GeminiErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

/** An error in the shape Google answers with, so Gemini clients parse gateway errors like upstream ones. */
export function createGeminiErrorBody(code: number, message: string, details?: unknown[]): GeminiErrorBody {
  const status = rpcStatusByCode[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  return { error: details ? { code, message, status, details } : { code, message, status } };
}
