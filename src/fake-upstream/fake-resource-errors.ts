import type { FakeError } from './fake-errors.js';

// The errors of the Files API, the resumable upload and cachedContents, in Google's error shape
// (PROTOCOLS.md §2). Messages quoted here were seen in Google's answers; the others are marked.

const error = (code: number, status: string, message: string): FakeError => ({
  status: code,
  body: { error: { code, message, status } },
});

/** Google answers the same for a file of another project and for a name that exists nowhere. */
export function filePermissionError(fileId: string): FakeError {
  return error(
    403,
    'PERMISSION_DENIED',
    `You do not have permission to access the File ${fileId} or it may not exist.`,
  );
}

/** Google's answer for a cache of another project, a cache that expired and one never made. */
export function cachedContentPermissionError(): FakeError {
  return error(403, 'PERMISSION_DENIED', 'CachedContent not found (or permission denied)');
}

export function cachedModelMismatchError(requestModel: string, cacheModel: string): FakeError {
  return error(
    400,
    'INVALID_ARGUMENT',
    `Model used by GenerateContent request (models/${requestModel}) and CachedContent (${cacheModel}) has to be the same.`,
  );
}

export function cachedWithSettingsError(): FakeError {
  return error(
    400,
    'INVALID_ARGUMENT',
    'CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\n' +
      'Proposed fix: move those values to CachedContent from GenerateContent request.',
  );
}

// The upload errors below are the fake's own wording: the shape is Google's, the text is not verified.

export function uploadNotFoundError(): FakeError {
  return error(404, 'NOT_FOUND', 'Upload session not found (unknown or expired upload_id).');
}

export function uploadOffsetError(expected: number, received: string | undefined): FakeError {
  return error(
    400,
    'INVALID_ARGUMENT',
    `Invalid X-Goog-Upload-Offset ${JSON.stringify(received ?? '')}: the upload has received ${expected} bytes.`,
  );
}

export function uploadSizeError(announced: number, received: number): FakeError {
  return error(
    400,
    'INVALID_ARGUMENT',
    `Upload finalized with ${received} bytes but X-Goog-Upload-Header-Content-Length announced ${announced}.`,
  );
}

export function uploadCommandError(command: string): FakeError {
  return error(400, 'INVALID_ARGUMENT', `Invalid X-Goog-Upload-Command ${JSON.stringify(command)}.`);
}

export function uploadFinalizedError(): FakeError {
  return error(400, 'INVALID_ARGUMENT', 'The upload has already been finalized.');
}

export function fileExistsError(name: string): FakeError {
  return error(409, 'ALREADY_EXISTS', `File ${name} already exists.`);
}

export function invalidPageTokenError(): FakeError {
  return error(400, 'INVALID_ARGUMENT', 'Invalid page token.');
}
