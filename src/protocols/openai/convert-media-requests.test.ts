import { describe, expect, it } from 'vitest';
import {
  convertEmbeddingRequest,
  convertEmbeddingResponse,
  convertImagenRequest,
  convertSpeechRequest,
  type OpenAISpeechRequest,
  type SpeechDefaults,
} from './convert-media-requests.js';
import { encodeWav } from './encode-wav.js';

describe('embeddings', () => {
  it('maps a string or a list to one Gemini request each, with dimensions', () => {
    expect(convertEmbeddingRequest({ input: ['a', 'b'], dimensions: 4 }, 'gemini-embedding-001')).toEqual({
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'a' }] },
          outputDimensionality: 4,
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'b' }] },
          outputDimensionality: 4,
        },
      ],
    });
    expect(() => convertEmbeddingRequest({ input: [[1, 2]] }, 'm')).toThrow(/token arrays/);
    expect(() => convertEmbeddingRequest({ input: [] }, 'm')).toThrow(/input/);
  });

  it('encodes base64 as little-endian float32, as the openai client decodes it', () => {
    const [item] = convertEmbeddingResponse([{ values: [0.5, -1] }], 'm', 'base64', 3).data;
    const bytes = Buffer.from(item?.embedding as string, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.5, -1]);
  });
});

describe('images and speech', () => {
  it('maps images/generations to Imagen with an aspect ratio', () => {
    expect(convertImagenRequest({ prompt: 'a cat', n: 2, size: '1792x1024' })).toEqual({
      instances: [{ prompt: 'a cat' }],
      parameters: { sampleCount: 2, aspectRatio: '16:9' },
    });
    expect(() => convertImagenRequest({ prompt: 'x', n: 9 })).toThrow(/n must be/);
    expect(() => convertImagenRequest({ prompt: 'x', size: '3x3' })).toThrow(/size/);
  });

  it('maps audio/speech to Gemini TTS with a voice, keeping the format the client named', () => {
    // No format named: none is made up here (OpenAI's mp3 is the route's choice, if it can encode it).
    expect(convertSpeechRequest({ input: 'Hello', voice: 'alloy' })).toEqual({
      request: {
        contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
        generationConfig: {
          responseModalities: ['AUDIO'],
          speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } },
        },
      },
    });
    expect(convertSpeechRequest({ input: 'x', voice: 'Puck', response_format: 'pcm' }).format).toBe('pcm');
    expect(convertSpeechRequest({ input: 'x', response_format: 'flac' }).format).toBe('flac');
    expect(convertSpeechRequest({ input: 'x', response_format: null }).format).toBeUndefined();
    // TTS_VOICE_NAME and TTS_SPEED when the request names no voice or speed; the request's speed wins.
    const voiceAndText = (body: OpenAISpeechRequest, defaults?: SpeechDefaults) => {
      const { request } = convertSpeechRequest(body, defaults);
      return [
        request.generationConfig?.speechConfig?.voiceConfig?.prebuiltVoiceConfig?.voiceName,
        request.contents?.[0]?.parts?.[0]?.text,
      ];
    };
    expect(voiceAndText({ input: 'Hi' })).toEqual(['Zephyr', 'Hi']);
    expect(voiceAndText({ input: 'Hi' }, { voice: 'Charon', speed: 'fast' })).toEqual([
      'Charon',
      'Speak in a fast speed voice: Hi',
    ]);
    expect(
      voiceAndText({ input: 'Hi', speed: 0.5, instructions: 'Cheerfully' }, { voice: 'Puck', speed: 'fast' }),
    ).toEqual(['Puck', 'Speak in a slow speed voice: Cheerfully: Hi']);
    expect(voiceAndText({ input: 'Hi', speed: 1 }, { voice: 'Puck', speed: 'slow' })[1]).toBe('Hi');
  });

  it('wraps PCM in a RIFF/WAVE header', () => {
    const wav = encodeWav(Buffer.alloc(480), 24_000);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt32LE(24)).toBe(24_000);
    expect(wav.readUInt32LE(40)).toBe(480);
    expect(wav.length).toBe(524);
  });
});
