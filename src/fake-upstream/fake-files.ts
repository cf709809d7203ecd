import { createHash, type Hash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type FakeError, invalidArgumentError } from './fake-errors.js';
import { googleTime, newResourceId } from './fake-pages.js';
import { field } from './fake-request.js';
import {
  fileExistsError,
  filePermissionError,
  uploadCommandError,
  uploadFinalizedError,
  uploadNotFoundError,
  uploadOffsetError,
  uploadSizeError,
} from './fake-resource-errors.js';

// Google's Files API: the resumable upload (PROTOCOLS.md §1.4) and the File resources it makes.
// A file belongs to the project of the key that started its upload. The uploaded bytes are hashed
// and counted as they stream in and never kept: only the metadata stays.

/** Google keeps an uploaded file 48 hours. */
export const fileLifetimeMs = 48 * 60 * 60 * 1000;
/** What Google announces in `x-goog-upload-chunk-granularity`; the SDKs send chunks of this size. */
export const uploadChunkGranularity = 8 * 1024 * 1024;

export interface FakeFileRecord {
  /** The id, without `files/`. */
  readonly id: string;
  readonly ownerKey: string;
  readonly displayName?: string;
  readonly mimeType: string;
  readonly sizeBytes: number;
  readonly sha256Hash: string;
  readonly createMs: number;
  readonly expireMs: number;
}

interface UploadSession {
  readonly ownerKey: string;
  readonly id?: string;
  readonly displayName?: string;
  readonly mimeType: string;
  readonly announcedSize?: number;
  received: number;
  readonly hash: Hash;
  /** A chunk is streaming in. */
  busy: boolean;
  final?: FakeFileRecord;
}

/** What the fake answers to a resource call: headers, then a JSON body, an empty body or an error. */
export interface ResourceAnswer {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly error?: FakeError;
}

const fileIdPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/**
 * The file id a `fileData.fileUri` names, if it is a Files API URI: `files/<id>` or
 * `http(s)://<host>/<version>/files/<id>`. Other URIs (YouTube, gs://, any web page) name none.
 */
export function fileIdOfUri(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const match =
    /^files\/([^/?#]+)$/.exec(uri) ?? /^https?:\/\/[^/]+\/v1(?:beta|alpha)?\/files\/([^/?#]+)$/.exec(uri);
  return match?.[1];
}

/** The commands of an `X-Goog-Upload-Command` header, lower-cased: `upload, finalize` → both. */
export function uploadCommands(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((command) => command.trim().toLowerCase())
    .filter((command) => command !== '');
}

/** A File as Google's JSON gives it. */
export function fileJson(file: FakeFileRecord, origin: string) {
  return {
    name: `files/${file.id}`,
    ...(file.displayName === undefined ? {} : { displayName: file.displayName }),
    mimeType: file.mimeType,
    sizeBytes: String(file.sizeBytes),
    createTime: googleTime(file.createMs),
    updateTime: googleTime(file.createMs),
    expirationTime: googleTime(file.expireMs),
    sha256Hash: file.sha256Hash,
    uri: `${origin}/v1beta/files/${file.id}`,
    state: 'ACTIVE',
    source: 'UPLOADED',
  };
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function createFakeFiles(now: () => number) {
  const files = new Map<string, FakeFileRecord>();
  const uploads = new Map<string, UploadSession>();
  let peakBufferedBytes = 0;

  function live(id: string): FakeFileRecord | undefined {
    const file = files.get(id);
    if (file && file.expireMs <= now()) {
      files.delete(id);
      return undefined;
    }
    return file;
  }

  function finalize(session: UploadSession): FakeFileRecord | FakeError {
    if (session.announcedSize !== undefined && session.received !== session.announcedSize) {
      return uploadSizeError(session.announcedSize, session.received);
    }
    const id = session.id ?? newResourceId();
    if (live(id)) return fileExistsError(`files/${id}`);
    const createMs = now();
    const file: FakeFileRecord = {
      id,
      ownerKey: session.ownerKey,
      ...(session.displayName === undefined ? {} : { displayName: session.displayName }),
      mimeType: session.mimeType,
      sizeBytes: session.received,
      sha256Hash: session.hash.digest('base64'),
      createMs,
      expireMs: createMs + fileLifetimeMs,
    };
    files.set(id, file);
    session.final = file;
    return file;
  }

  return {
    /**
     * `POST /upload/v1beta/files` with `X-Goog-Upload-Command: start`: a new upload session, or the
     * reason there is none.
     */
    start(key: string, request: IncomingMessage, body: Record<string, unknown> | undefined) {
      if (headerOf(request, 'x-goog-upload-protocol')?.toLowerCase() !== 'resumable') {
        return invalidArgumentError(
          'The fake upstream takes resumable uploads only (X-Goog-Upload-Protocol: resumable).',
        );
      }
      const commands = uploadCommands(headerOf(request, 'x-goog-upload-command'));
      if (commands.join() !== 'start') return uploadCommandError(commands.join(', '));
      const file = field(body, 'file');
      const displayName = field(file, 'displayName');
      const name = field(file, 'name');
      const id = typeof name === 'string' && name !== '' ? name.replace(/^files\//, '') : undefined;
      if (id !== undefined && !fileIdPattern.test(id)) {
        return invalidArgumentError(
          `Invalid file name ${JSON.stringify(name)}: the id may hold up to 40 lowercase letters, digits or dashes, and may not start or end with a dash.`,
        );
      }
      if (id !== undefined && live(id)) return fileExistsError(`files/${id}`);
      const sizeText = headerOf(request, 'x-goog-upload-header-content-length') ?? field(file, 'sizeBytes');
      if (sizeText !== undefined && !/^\d+$/.test(String(sizeText))) {
        return invalidArgumentError(
          `Invalid X-Goog-Upload-Header-Content-Length ${JSON.stringify(sizeText)}.`,
        );
      }
      const mimeType =
        headerOf(request, 'x-goog-upload-header-content-type') ??
        (typeof field(file, 'mimeType') === 'string' ? (field(file, 'mimeType') as string) : undefined) ??
        'application/octet-stream';
      const uploadId = randomBytes(48).toString('base64url');
      uploads.set(uploadId, {
        ownerKey: key,
        ...(id === undefined ? {} : { id }),
        ...(typeof displayName === 'string' ? { displayName } : {}),
        mimeType,
        ...(sizeText === undefined ? {} : { announcedSize: Number(sizeText) }),
        received: 0,
        hash: createHash('sha256'),
        busy: false,
      });
      return { uploadId };
    },

    /**
     * A chunk sent to the upload URL (`upload`, `upload, finalize`, `finalize`, `query`, `cancel`).
     * The body is read as it streams: hashed, counted, then let go.
     */
    async receive(
      request: IncomingMessage,
      uploadId: string | null,
      origin: string,
    ): Promise<ResourceAnswer> {
      const session = uploadId === null ? undefined : uploads.get(uploadId);
      const commands = uploadCommands(headerOf(request, 'x-goog-upload-command'));
      const refuse = (error: FakeError, status?: string): ResourceAnswer => {
        request.resume();
        return { headers: status ? { 'x-goog-upload-status': status } : {}, error };
      };
      if (!session || uploadId === null) return refuse(uploadNotFoundError());
      const sizeHeaders = () => ({ 'x-goog-upload-size-received': String(session.received) });
      const command = commands.join(', ');
      if (command === 'query') {
        request.resume();
        return { headers: { 'x-goog-upload-status': session.final ? 'final' : 'active', ...sizeHeaders() } };
      }
      if (command === 'cancel') {
        request.resume();
        uploads.delete(uploadId);
        return { headers: { 'x-goog-upload-status': 'cancelled' } };
      }
      const carriesBytes = commands.includes('upload');
      const finalizes = commands.includes('finalize');
      if (!(command === 'upload' || command === 'upload, finalize' || command === 'finalize')) {
        return refuse(uploadCommandError(command));
      }
      if (session.final) return refuse(uploadFinalizedError(), 'final');
      const offset = headerOf(request, 'x-goog-upload-offset');
      const offsetRequired = carriesBytes || offset !== undefined;
      if (session.busy || (offsetRequired && offset !== String(session.received))) {
        return refuse(uploadOffsetError(session.received, offset), 'active');
      }
      session.busy = true;
      try {
        for await (const chunk of request as AsyncIterable<Buffer>) {
          if (!carriesBytes) continue; // `finalize` alone carries no bytes
          peakBufferedBytes = Math.max(peakBufferedBytes, chunk.length);
          session.hash.update(chunk);
          session.received += chunk.length;
        }
      } finally {
        session.busy = false;
      }
      if (!finalizes) {
        if (session.announcedSize !== undefined && session.received > session.announcedSize) {
          return {
            headers: { 'x-goog-upload-status': 'active' },
            error: uploadSizeError(session.announcedSize, session.received),
          };
        }
        return { headers: { 'x-goog-upload-status': 'active', ...sizeHeaders() } };
      }
      const file = finalize(session);
      if ('status' in file) return { headers: { 'x-goog-upload-status': 'active' }, error: file };
      return {
        headers: { 'x-goog-upload-status': 'final', ...sizeHeaders() },
        body: { file: fileJson(file, origin) },
      };
    },

    /** The caller's file, or Google's 403 (which it also gives for a file that exists nowhere). */
    owned(key: string, id: string): FakeFileRecord | FakeError {
      const file = live(id);
      return file && file.ownerKey === key ? file : filePermissionError(id);
    },

    /** The caller's files, newest first. */
    listOf(key: string): FakeFileRecord[] {
      return [...files.keys()]
        .map((id) => live(id))
        .filter((file): file is FakeFileRecord => file?.ownerKey === key)
        .sort((a, b) => b.createMs - a.createMs);
    },

    delete(key: string, id: string): FakeError | undefined {
      const file = live(id);
      if (!file || file.ownerKey !== key) return filePermissionError(id);
      files.delete(id);
      return undefined;
    },

    all(): FakeFileRecord[] {
      return [...files.keys()].map((id) => live(id)).filter((file) => file !== undefined);
    },

    /** The largest piece of an upload the fake held at once. */
    peakBufferedBytes: () => peakBufferedBytes,

    reset() {
      files.clear();
      uploads.clear();
      peakBufferedBytes = 0;
    },
  };
}

export type FakeFiles = ReturnType<typeof createFakeFiles>;
