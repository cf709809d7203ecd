import { getGlobalDispatcher } from 'undici';
import type { BucketTarget } from '../config/parse-bucket-target.js';
import { amzDateOf, encodeS3Path, sha256Hex, signAwsV4 } from './sign-aws-v4.js';

export interface S3Object {
  /** The object's name in the bucket, unencoded. */
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
}

/** Whether the bucket took the object; why not, in words fit for a log (no secret, no signature). */
export type PutResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** How much of an error answer is read for its S3 error code: a hostile server may send no end. */
const errorBodyLimit = 4096;

/**
 * S3's error code (`AccessDenied`, `NoSuchBucket`, `SignatureDoesNotMatch`) from an error answer.
 * Nothing else of the body is kept: a SignatureDoesNotMatch body quotes the canonical request, the
 * string to sign and the signature.
 */
async function errorCodeOf(body: AsyncIterable<Buffer>): Promise<string | undefined> {
  let text = '';
  for await (const chunk of body) {
    text += chunk.toString('utf8');
    if (text.length > errorBodyLimit) break;
  }
  return /<Code>([A-Za-z]{1,64})<\/Code>/.exec(text)?.[1];
}

/**
 * PUTs one object into the bucket, signed with Signature Version 4 over a hash of its body, within
 * `timeoutMs`. The path is sent exactly as it was signed (the dispatcher does not normalize it).
 * Never throws: a refusal, a timeout or a connection that fails is a reason.
 */
export async function putS3Object(
  target: BucketTarget,
  object: S3Object,
  options: { readonly nowMs: number; readonly timeoutMs: number },
): Promise<PutResult> {
  try {
    const bucket = new URL(target.bucketUrl);
    const path = `${bucket.pathname.replace(/\/$/, '')}/${encodeS3Path(object.key)}`;
    const payloadHash = sha256Hex(object.body);
    const amzDate = amzDateOf(options.nowMs);
    const headers = {
      host: bucket.host,
      'content-type': object.contentType,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
    };
    const authorization = signAwsV4(
      { method: 'PUT', path, headers, payloadHash },
      {
        accessKeyId: target.accessKeyId,
        secretAccessKey: target.secretAccessKey,
        region: target.region,
        service: 's3',
      },
      amzDate,
    );
    const response = await getGlobalDispatcher().request({
      origin: bucket.origin,
      path,
      method: 'PUT',
      headers: { ...headers, authorization },
      body: object.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.statusCode >= 200 && response.statusCode < 300) {
      await response.body.dump();
      return { ok: true };
    }
    const code = await errorCodeOf(response.body);
    return { ok: false, reason: `the bucket answered ${response.statusCode}${code ? ` ${code}` : ''}` };
  } catch (error) {
    // The code or class only (ECONNREFUSED, TimeoutError): no message that might quote a request.
    const { code, name } = error as { code?: unknown; name?: unknown };
    return { ok: false, reason: typeof code === 'string' ? code : String(name ?? 'an error') };
  }
}
