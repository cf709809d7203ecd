import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// An S3-compatible bucket service for tests, path-style (`/{bucket}/{key}`) or virtual-hosted
// (`{bucket}.localhost/{key}`, as Aliyun OSS takes them), that checks each PUT
// the way S3 does: the Authorization header's shape and scope, the body's hash, the clock, and
// the signature, recomputed here from the request as it arrived (this file's own SigV4, written
// from AWS's description, not the gateway's). It stores what it accepts and serves it back, at the
// object's URL and at `/cdn/{key}` (a public domain in front of the bucket, for S3_PUBLIC_URL).

export interface FakeS3Options {
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** `path` (the default): the bucket is the path's first segment; `virtual`: the host's first label. */
  readonly addressing?: 'path' | 'virtual';
}

export type FakeS3Mode =
  /** Checks and stores each PUT. */
  | 'store'
  /** Answers 403 like S3 does to a bad signature, quoting the request's signature and its string to sign. */
  | 'forbidden'
  /** Answers 500 InternalError. */
  | 'broken';

export interface StoredObject {
  readonly contentType: string;
  readonly body: Buffer;
}

export interface FakeS3 {
  readonly url: string;
  /** Objects by their path-style path (`/{bucket}/{key}`, encoded as sent). */
  readonly objects: ReadonlyMap<string, StoredObject>;
  /** Why PUTs were refused in `store` mode: any entry is a request the gateway got wrong. */
  readonly rejections: readonly string[];
  /** The Authorization headers of every PUT received, to make sure none reaches a log. */
  readonly authorizations: readonly string[];
  setMode(mode: FakeS3Mode): void;
  close(): Promise<void>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Why S3 would refuse this PUT, or undefined when it would take it. */
function problemOf(options: FakeS3Options, request: IncomingMessage, body: Buffer): string | undefined {
  const match = authorizationPattern.exec(String(request.headers.authorization ?? ''));
  if (!match) return 'no AWS4-HMAC-SHA256 authorization with a credential scope for s3';
  const [, accessKeyId, day, region, signedHeaders = '', signature] = match;
  if (accessKeyId !== options.accessKeyId) return 'another access key id';
  if (region !== options.region) return `scope region ${region}`;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day)
    return 'x-amz-date missing or off scope';
  const sentAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(Date.now() - sentAt) > 15 * 60_000) return 'RequestTimeTooSkewed';
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-content-sha256', 'x-amz-date'])
    if (!names.includes(required)) return `${required} not signed`;
  if (request.headers['x-amz-content-sha256'] !== sha256(body))
    return 'x-amz-content-sha256 is not the body’s';
  const canonical = [
    'PUT',
    request.url ?? '',
    '',
    ...names.map((name) => `${name}:${String(request.headers[name] ?? '').trim()}`),
    '',
    signedHeaders,
    sha256(body),
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  let key = hmac(`AWS4${options.secretAccessKey}`, day ?? '');
  for (const part of [region ?? '', 's3', 'aws4_request']) key = hmac(key, part);
  if (hmac(key, toSign).toString('hex') !== signature) return 'SignatureDoesNotMatch';
  return undefined;
}

const xmlError = (code: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>refused</Message>${extra}</Error>`;

export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  const objects = new Map<string, StoredObject>();
  const rejections: string[] = [];
  const authorizations: string[] = [];
  let mode: FakeS3Mode = 'store';
  const refuse = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'application/xml' });
    response.end(body);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => {
      const virtual = options.addressing === 'virtual';
      const hostBucket = String(request.headers.host ?? '').split('.')[0];
      // Every object by its path-style path, however it was addressed.
      const path = virtual ? `/${hostBucket}${request.url ?? '/'}` : (request.url ?? '/');
      if (request.method === 'GET') {
        const object = objects.get(path.replace(/^\/cdn\//, `/${options.bucket}/`));
        if (!object) return refuse(response, 404, xmlError('NoSuchKey'));
        response.writeHead(200, { 'content-type': object.contentType });
        return response.end(object.body);
      }
      if (request.method !== 'PUT') return refuse(response, 405, xmlError('MethodNotAllowed'));
      const body = Buffer.concat(chunks);
      const authorization = String(request.headers.authorization ?? '');
      authorizations.push(authorization);
      if (mode === 'broken') return refuse(response, 500, xmlError('InternalError'));
      if (mode === 'forbidden') {
        // What S3 quotes back to a bad signature: a gateway that logged the body would leak it.
        const signature = /Signature=(\w+)/.exec(authorization)?.[1] ?? '';
        return refuse(
          response,
          403,
          xmlError(
            'SignatureDoesNotMatch',
            `<AWSAccessKeyId>${options.accessKeyId}</AWSAccessKeyId><SignatureProvided>${signature}</SignatureProvided><Authorization>${authorization}</Authorization>`,
          ),
        );
      }
      if (!path.startsWith(`/${options.bucket}/`)) {
        rejections.push(`${path}: not in the bucket`);
        return refuse(response, 404, xmlError('NoSuchBucket'));
      }
      const problem = problemOf(options, request, body);
      if (problem) {
        rejections.push(`${path}: ${problem}`);
        return refuse(response, 403, xmlError(problem.split(' ')[0] ?? 'AccessDenied'));
      }
      objects.set(path, { contentType: String(request.headers['content-type'] ?? ''), body });
      response.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    rejections,
    authorizations,
    setMode: (next) => {
      mode = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
