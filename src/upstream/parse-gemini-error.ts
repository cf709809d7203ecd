import type { GeminiErrorInfo } from '../core/gemini-error-info.js';

interface RawDetail {
  '@type'?: unknown;
  reason?: unknown;
  violations?: unknown;
  retryDelay?: unknown;
}

/** Parses a Google error body; a body that is not Google's JSON still yields its text as the message. */
export function parseGeminiError(bodyText: string): GeminiErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return { message: bodyText.slice(0, 500), quotaIds: [] };
  }
  // Some proxies in front of Google wrap the body in an array.
  const root = Array.isArray(parsed) ? parsed[0] : parsed;
  const error = (root as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== 'object') return { message: bodyText.slice(0, 500), quotaIds: [] };

  const info: { -readonly [K in keyof GeminiErrorInfo]: GeminiErrorInfo[K] } = {
    message: typeof error.message === 'string' ? error.message : '',
    quotaIds: [],
  };
  if (typeof error.status === 'string') info.rpcStatus = error.status;
  const quotaIds: string[] = [];
  for (const detail of Array.isArray(error.details) ? (error.details as RawDetail[]) : []) {
    const type = typeof detail?.['@type'] === 'string' ? detail['@type'] : '';
    if (type.endsWith('google.rpc.ErrorInfo') && typeof detail.reason === 'string')
      info.reason = detail.reason;
    if (type.endsWith('google.rpc.QuotaFailure') && Array.isArray(detail.violations)) {
      for (const violation of detail.violations as { quotaId?: unknown }[]) {
        if (typeof violation?.quotaId === 'string') quotaIds.push(violation.quotaId);
      }
    }
    if (type.endsWith('google.rpc.RetryInfo') && typeof detail.retryDelay === 'string') {
      const delayMs = parseDurationMs(detail.retryDelay);
      if (delayMs !== undefined) info.retryDelayMs = delayMs;
    }
  }
  info.quotaIds = quotaIds;
  return info;
}

/** Protobuf JSON duration: `"26s"`, `"0.5s"`, `"26.493s"`. */
export function parseDurationMs(duration: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}
