import type { UpstreamKey, UpstreamRequest } from './endpoint.js';

/**
 * The headers of one call: CUSTOM_HEADERS first, then the upload protocol's or the JSON body's
 * content type, then the key (`x-goog-api-key`, or a Bearer token where the request asks for one),
 * so that no configured header can stand in for the key or the content type. A new object per call.
 */
export function callHeaders(
  custom: Readonly<Record<string, string>> | undefined,
  request: UpstreamRequest,
  key: UpstreamKey,
): Record<string, string> {
  const headers: Record<string, string> = custom ? { ...custom } : {};
  if (request.upload) Object.assign(headers, request.upload.headers);
  else if (request.body) headers['content-type'] = 'application/json';
  if (request.bearer) headers.authorization = `Bearer ${key.secret}`;
  else headers['x-goog-api-key'] = key.secret;
  return headers;
}

/** CUSTOM_HEADERS as `callHeaders` takes them: none at all when empty, so a call copies nothing. */
export function customHeadersOf(
  custom: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  return custom && Object.keys(custom).length > 0 ? custom : undefined;
}
