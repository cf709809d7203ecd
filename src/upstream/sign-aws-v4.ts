import { createHash, createHmac } from 'node:crypto';

// AWS Signature Version 4 for header-signed requests, as S3 and the services compatible with it
// (MinIO, R2, Aliyun OSS, ...) check them. Pure: the time comes in as `amzDate`. A few lines of
// node:crypto instead of the AWS SDK, which is tens of megabytes for one PUT.

/** What the signature covers of a request (no query string: the gateway sends none). */
export interface SignableRequest {
  readonly method: string;
  /** The path exactly as sent, already encoded (encodeS3Path): S3 signs it as it is, unnormalized. */
  readonly path: string;
  /** The headers to sign, `host` among them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The hex SHA-256 of the body. */
  readonly payloadHash: string;
}

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service: string;
}

/** SHA-256 in hex, the form SigV4 uses for payloads and canonical requests. */
export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** A time as SigV4 writes it: 20130524T000000Z. */
export function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const unreserved = /[A-Za-z0-9\-._~]/;

/**
 * An object key as a URL path: every byte of its UTF-8 but the unreserved characters (A-Z a-z 0-9
 * - . _ ~) as %XX, slashes kept. This is RFC 3986 as SigV4 wants it, stricter than
 * encodeURIComponent (which leaves ! ' ( ) * alone), and it never throws: a lone surrogate becomes
 * U+FFFD, the same in the signed path, the sent path and the public URL.
 */
export function encodeS3Path(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const character = String.fromCharCode(byte);
    out +=
      character === '/' || (byte < 0x80 && unreserved.test(character))
        ? character
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The request in SigV4's canonical form, and the header names it signs. */
export function canonicalRequestOf(request: SignableRequest): { text: string; signedHeaders: string } {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/ +/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = headers.map(([name]) => name).join(';');
  const text = [
    request.method,
    request.path,
    '',
    ...headers.map(([name, value]) => `${name}:${value}`),
    '',
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  return { text, signedHeaders };
}

/**
 * The Authorization header of a request signed with Signature Version 4 at `amzDate` (which the
 * request must also carry, as x-amz-date, among the signed headers).
 */
export function signAwsV4(
  request: SignableRequest,
  credentials: SigningCredentials,
  amzDate: string,
): string {
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${credentials.region}/${credentials.service}/aws4_request`;
  const canonical = canonicalRequestOf(request);
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical.text)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [credentials.region, credentials.service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString('hex');
  return `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${canonical.signedHeaders}, Signature=${signature}`;
}
