import type { FakeError } from './fake-errors.js';
import { type FakeFileRecord, type FakeFiles, fileIdOfUri } from './fake-files.js';
import { type FakePart, field } from './fake-request.js';

// `fileData` parts that name a Files API file: the file must belong to the caller's project.

/** The file id a part's `fileData.fileUri` names, if it names one (either spelling). */
export function partFileId(part: unknown): string | undefined {
  return fileIdOfUri(field(field(part, 'fileData'), 'fileUri'));
}

/** Google's 403 for the first part naming a file the caller does not own. */
export function fileProblem(files: FakeFiles, key: string, parts: readonly unknown[]): FakeError | undefined {
  for (const part of parts) {
    const id = partFileId(part);
    if (id === undefined) continue;
    const file = files.owned(key, id);
    if ('status' in file) return file;
  }
  return undefined;
}

/** What the fake says it read from a file, so tests can see the file reached the model. */
export function fileMention(file: FakeFileRecord): string {
  return `[file ${file.displayName ?? `files/${file.id}`}, ${file.mimeType}, ${file.sizeBytes} bytes]`;
}

/** The parts with a text part after each owned file part, naming the file. */
export function withFileMentions(files: FakeFiles, key: string, parts: readonly FakePart[]): FakePart[] {
  return parts.flatMap((part) => {
    const id = partFileId(part);
    const file = id === undefined ? undefined : files.owned(key, id);
    return file === undefined || 'status' in file ? [part] : [part, { text: fileMention(file) }];
  });
}
