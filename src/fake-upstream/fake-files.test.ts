import { describe, expect, it } from 'vitest';
import { fileIdOfUri, uploadCommands } from './fake-files.js';

describe('fileIdOfUri', () => {
  it.each([
    ['files/abc123', 'abc123'],
    ['https://generativelanguage.googleapis.com/v1beta/files/abc123', 'abc123'],
    ['http://127.0.0.1:8000/v1alpha/files/a-b', 'a-b'],
    ['http://gateway.example/v1/files/x1', 'x1'],
    ['https://www.youtube.com/watch?v=9hE5-98ZeCg', undefined],
    ['gs://bucket/files/abc', undefined],
    ['https://example.com/some/files/abc', undefined],
    ['files/', undefined],
    [42, undefined],
  ])('%s → %s', (uri, id) => {
    expect(fileIdOfUri(uri)).toBe(id);
  });
});

describe('uploadCommands', () => {
  it.each([
    ['upload, finalize', ['upload', 'finalize']],
    ['Upload,Finalize', ['upload', 'finalize']],
    ['query', ['query']],
    ['', []],
    [undefined, []],
  ])('%s', (header, commands) => {
    expect(uploadCommands(header)).toEqual(commands);
  });
});
