import type { UpstreamBase } from '../../config/parse-base-url.js';
import { callHeaders, customHeadersOf } from './call-headers.js';
import type { Endpoint } from './endpoint.js';

export interface AiStudioEndpointOptions {
  /** BASE_URL: Google's Gemini API, or an operator's relay in front of it. */
  readonly base: UpstreamBase;
  /** CUSTOM_HEADERS: added to every call, never overriding the key or the content type. */
  readonly customHeaders?: Readonly<Record<string, string>>;
}

/**
 * Google AI Studio's Gemini API: the path is BASE_URL's prefix and the client's own API-relative
 * path, and the key travels in `x-goog-api-key`, or as a Bearer token on the OpenAI-compatible
 * paths (`request.bearer`), as OpenAI clients send it.
 */
export function createAiStudioEndpoint(options: AiStudioEndpointOptions): Endpoint {
  // Read once: addressing runs for every call.
  const { origin, pathPrefix: prefix } = options.base;
  const custom = customHeadersOf(options.customHeaders);
  return {
    kind: 'ai-studio',
    origin,
    address(request, key) {
      return {
        origin,
        method: request.method,
        path: request.query ? `${prefix}${request.path}?${request.query}` : prefix + request.path,
        headers: callHeaders(custom, request, key),
        body: request.upload?.bytes ?? request.body ?? null,
      };
    },
  };
}
