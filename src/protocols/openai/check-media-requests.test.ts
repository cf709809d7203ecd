import { describe, expect, it } from 'vitest';
import { checkEmbeddingRequest, checkImageRequest, checkSpeechRequest } from './check-media-requests.js';
import { OpenAIRequestError } from './openai-error.js';

const checks = {
  embeddings: [
    checkEmbeddingRequest,
    { model: 'gemini-embedding-001', input: ['a'], encoding_format: 'base64' },
  ],
  images: [checkImageRequest, { prompt: 'a cat', n: 1, size: '1024x1024', response_format: 'url' }],
  speech: [checkSpeechRequest, { input: 'hello', voice: 'alloy', response_format: 'wav', speed: 1 }],
} as const;

function paramRefused(kind: keyof typeof checks, change: Record<string, unknown>): string | null | undefined {
  const [check, valid] = checks[kind];
  try {
    check({ ...valid, ...change });
    return undefined;
  } catch (error) {
    if (!(error instanceof OpenAIRequestError)) throw error;
    return error.param;
  }
}

describe('media request checks', () => {
  it.each(Object.keys(checks) as (keyof typeof checks)[])('accept a valid %s request', (kind) => {
    expect(paramRefused(kind, {})).toBeUndefined();
  });

  it.each(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm', null])('accept speech as %s', (format) => {
    expect(paramRefused('speech', { response_format: format })).toBeUndefined();
  });

  it.each([
    ['embeddings', { model: 5 }, 'model'],
    ['embeddings', { input: {} }, 'input'],
    ['embeddings', { dimensions: '8' }, 'dimensions'],
    ['embeddings', { encoding_format: 'hex' }, 'encoding_format'],
    ['images', { prompt: 5 }, 'prompt'],
    ['images', { model: ['x'] }, 'model'],
    ['images', { n: 'two' }, 'n'],
    ['images', { size: 1024 }, 'size'],
    ['images', { response_format: 'png' }, 'response_format'],
    ['speech', { input: null }, 'input'],
    ['speech', { voice: 5 }, 'voice'],
    ['speech', { model: 'm'.repeat(300) }, 'model'],
    ['speech', { speed: 'fast' }, 'speed'],
    ['speech', { instructions: {} }, 'instructions'],
    ['speech', { response_format: 'ogg' }, 'response_format'],
    ['speech', { response_format: 'MP3' }, 'response_format'],
    ['speech', { response_format: 3 }, 'response_format'],
  ] as const)('%s: %j is refused naming %s', (kind, change, param) => {
    expect(paramRefused(kind, change)).toBe(param);
  });
});
