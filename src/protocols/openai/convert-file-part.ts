import { fileNamePattern } from '../gemini/files-surface.js';
import type { GeminiInlineData, GeminiPart } from '../gemini/gemini-types.js';
import { OpenAIRequestError } from './openai-error.js';

// Images and files an OpenAI client sends (chat's `image_url` and `file` parts, the Responses API's
// `input_image` and `input_file`) as Gemini parts.

/** `data:image/png;base64,AAAA` → inline data; undefined when the URL is not a base64 data URL. */
export function parseDataUrl(url: string): GeminiInlineData | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1] as string, data: match[2] as string } : undefined;
}

/**
 * An image URL as inline data: a base64 data URL, or an http(s) URL fetched beforehand (`media`);
 * undefined for anything else.
 */
export function imageOf(
  url: string,
  media: ReadonlyMap<string, GeminiInlineData>,
): GeminiInlineData | undefined {
  return parseDataUrl(url) ?? media.get(url);
}

const mimeByExtension: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

const mimeTypeOfName = (filename: string | undefined) =>
  mimeByExtension[filename?.split('.').pop()?.toLowerCase() ?? ''];

/** A file of the gateway's Files API (`files/{id}` or `{id}`): Google reads it with the key that holds it. */
export function uploadedFilePart(fileId: string, filename: string | undefined, param: string): GeminiPart {
  const name = fileId.startsWith('files/') ? fileId : `files/${fileId}`;
  if (!fileNamePattern.test(name))
    throw new OpenAIRequestError('file_id must name a file of the Files API (files/{id})', param);
  const mimeType = mimeTypeOfName(filename);
  return { fileData: { fileUri: name, ...(mimeType ? { mimeType } : {}) } };
}

export interface OpenAIFile {
  /** A data URL, or bare base64 whose type the file name tells. */
  readonly file_data?: string;
  readonly file_id?: string;
  readonly filename?: string;
}

/** A file part: uploaded (`file_id`), or its bytes (`file_data`). */
export function convertFilePart(file: OpenAIFile, param: string): GeminiPart {
  const { file_data: fileData, file_id: fileId, filename } = file;
  if (!fileData && typeof fileId === 'string') return uploadedFilePart(fileId, filename, param);
  if (!fileData) throw new OpenAIRequestError('file parts need file_data or file_id', param);
  const inline = parseDataUrl(fileData);
  if (inline) return { inlineData: inline };
  return { inlineData: { mimeType: mimeTypeOfName(filename) ?? 'application/octet-stream', data: fileData } };
}
