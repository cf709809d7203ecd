import { checkModelField } from './check-chat-request.js';
import {
  expectOptionalFields,
  expectOptionalType,
  expectOptionalValue,
  expectType,
  type JsonObject,
} from './check-json-type.js';
import {
  type OpenAIEmbeddingRequest,
  type OpenAIImageRequest,
  type OpenAISpeechRequest,
  openAISpeechFormats,
} from './convert-media-requests.js';

// The types of the embeddings, images and speech requests' fields, checked before the routes and
// translators read them (see check-chat-request.ts). Pure.

export function checkEmbeddingRequest(body: JsonObject): OpenAIEmbeddingRequest {
  checkModelField(body.model);
  // The translator refuses token arrays by name; anything else is not an input at all.
  expectType(body.input, 'input', 'string', 'array');
  expectOptionalType(body.dimensions, 'dimensions', 'integer');
  expectOptionalValue(body.encoding_format, 'encoding_format', ['float', 'base64']);
  expectOptionalType(body.user, 'user', 'string');
  return body as OpenAIEmbeddingRequest;
}

export function checkImageRequest(body: JsonObject): OpenAIImageRequest {
  if (body.model !== undefined && body.model !== null) checkModelField(body.model);
  expectType(body.prompt, 'prompt', 'string');
  expectOptionalType(body.n, 'n', 'integer');
  expectOptionalFields(body, '', ['size', 'quality', 'style', 'user'], 'string');
  expectOptionalValue(body.response_format, 'response_format', ['url', 'b64_json']);
  return body as OpenAIImageRequest;
}

export function checkSpeechRequest(body: JsonObject): OpenAISpeechRequest {
  if (body.model !== undefined && body.model !== null) checkModelField(body.model);
  expectType(body.input, 'input', 'string');
  expectOptionalFields(body, '', ['voice', 'instructions'], 'string');
  expectOptionalValue(body.response_format, 'response_format', openAISpeechFormats);
  expectOptionalType(body.speed, 'speed', 'number');
  return body as OpenAISpeechRequest;
}
