import type { UpstreamBase } from '../../config/parse-base-url.js';
import { callHeaders, customHeadersOf } from './call-headers.js';
import type { Endpoint } from './endpoint.js';

export interface VertexExpressEndpointOptions {
  /** VERTEX_EXPRESS_BASE_URL: Vertex AI's publisher path, `…/v1beta1/publishers/google`. */
  readonly base: UpstreamBase;
  /** CUSTOM_HEADERS: added to every call, never overriding the key or the content type. */
  readonly customHeaders?: Readonly<Record<string, string>>;
}

// The client's Gemini API version: Vertex AI's own is part of VERTEX_EXPRESS_BASE_URL.
const geminiVersion = /^\/(?:v1beta|v1alpha|v1)(?=\/)/;

/**
 * Vertex AI in express mode: the same generateContent, streamGenerateContent and countTokens bodies
 * as the Gemini API, under Vertex AI's publisher path, so `/v1beta/models/m:generateContent` is
 * `{VERTEX_EXPRESS_BASE_URL}/models/m:generateContent`. The express key travels in
 * `x-goog-api-key`, as Google's own client sends it, never in the URL (the seed put it in `?key=`,
 * where proxies and access logs keep it).
 */
export function createVertexExpressEndpoint(options: VertexExpressEndpointOptions): Endpoint {
  const { origin, pathPrefix: prefix } = options.base;
  const custom = customHeadersOf(options.customHeaders);
  return {
    kind: 'vertex-express',
    origin,
    address(request, key) {
      const path = prefix + request.path.replace(geminiVersion, '');
      return {
        origin,
        method: request.method,
        path: request.query ? `${path}?${request.query}` : path,
        headers: callHeaders(custom, request, key),
        body: request.body ?? null,
      };
    },
  };
}
