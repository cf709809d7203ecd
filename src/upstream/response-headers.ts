import type { IncomingHttpHeaders } from 'node:http';
import { createSecretScrubber } from '../core/redact-secrets.js';

/**
 * The only headers of Google's answers that leave the client: the content type, and those the Files
 * API's resumable uploads are driven by. Anything else Google (or a hostile relay at BASE_URL)
 * sends — cookies, a key echoed back, its own routing — stays here.
 */
export const forwardedResponseHeaders = [
  'content-type',
  'x-goog-upload-url',
  'x-goog-upload-status',
  'x-goog-upload-chunk-granularity',
  'x-goog-upload-control-url',
  'x-goog-upload-size-received',
] as const;

/** Whitelisted answer headers by lower-case name, scrubbed of the key the call was sent with. */
export type UpstreamHeaders = Readonly<Record<string, string>>;

const uploadHeaders = forwardedResponseHeaders.filter((name) => name !== 'content-type');
const noHeaders: UpstreamHeaders = Object.freeze({});

// Nearly every answer carries a content type and nothing else on the list, and a handful of
// content types cover them all: those records are made once, not per answer. Bounded, since the
// upstream chooses the values.
const contentTypeOnly = new Map<string, UpstreamHeaders>();
const contentTypeOnlyLimit = 32;

const text = (value: string | string[]) => (typeof value === 'string' ? value : String(value));

function contentTypeRecord(contentType: string): UpstreamHeaders {
  let record = contentTypeOnly.get(contentType);
  if (!record) {
    record = Object.freeze({ 'content-type': contentType });
    if (contentTypeOnly.size < contentTypeOnlyLimit) contentTypeOnly.set(contentType, record);
  }
  return record;
}

/**
 * The whitelisted headers of an answer to a call sent with `secret`, each value scrubbed of that
 * key (a hostile upstream may quote it in an upload URL). Repeated headers are joined by commas.
 */
export function pickResponseHeaders(headers: IncomingHttpHeaders, secret: string): UpstreamHeaders {
  const contentType = headers['content-type'];
  let picked: Record<string, string> | undefined;
  for (const name of uploadHeaders) {
    const value = headers[name];
    if (value === undefined) continue;
    picked ??= contentType === undefined ? {} : { 'content-type': text(contentType) };
    picked[name] = text(value);
  }
  const record = picked ?? (contentType === undefined ? noHeaders : contentTypeRecord(text(contentType)));
  return scrubHeaders(record, secret);
}

// A Google API key's length. Every spelling of a key that the scrubber finds (plain, escaped,
// base64) is at least as long as the key itself.
const googleKeyLength = 39;

/** `headers` itself when no value quotes the key, else a copy with the key redacted. */
function scrubHeaders(headers: UpstreamHeaders, secret: string): UpstreamHeaders {
  // A value shorter than both the key and any Google key holds neither: that is every content type
  // Google sends, so the common answer costs no scan.
  const shortest = Math.min(secret.length, googleKeyLength);
  let scrubbed: Record<string, string> | undefined;
  for (const name in headers) {
    const value = headers[name] as string;
    if (value.length < shortest) continue;
    const clean = createSecretScrubber(secret).text(value);
    if (clean === value) continue;
    scrubbed ??= { ...headers };
    scrubbed[name] = clean;
  }
  return scrubbed ?? headers;
}
