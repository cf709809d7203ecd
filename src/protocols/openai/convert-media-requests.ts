import type { GeminiRequest } from '../gemini/gemini-types.js';
import { OpenAIRequestError } from './openai-error.js';

// Embeddings, images and speech: the OpenAI requests beside chat, as Gemini requests (PROTOCOLS.md §3).

export interface OpenAIEmbeddingRequest {
  model?: string;
  input?: string | string[] | number[] | number[][];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
}

/** OpenAI embeddings → Gemini batchEmbedContents (one request per input). */
export function convertEmbeddingRequest(body: OpenAIEmbeddingRequest, model: string) {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0) {
    throw new OpenAIRequestError('input must be a string or a non-empty array of strings', 'input');
  }
  if (texts.some((text) => typeof text !== 'string')) {
    // Token arrays name an OpenAI tokenizer's ids; Gemini cannot read them.
    throw new OpenAIRequestError('input as token arrays is not supported: send text', 'input');
  }
  if (body.dimensions !== undefined && (!Number.isInteger(body.dimensions) || body.dimensions < 1)) {
    throw new OpenAIRequestError('dimensions must be a positive integer', 'dimensions');
  }
  return {
    requests: (texts as string[]).map((text) => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(body.dimensions === undefined ? {} : { outputDimensionality: body.dimensions }),
    })),
  };
}

/** Gemini's vectors as OpenAI embeddings; base64 is little-endian float32, as the `openai` client decodes it. */
export function convertEmbeddingResponse(
  embeddings: { values?: number[] }[],
  model: string,
  encoding: 'float' | 'base64',
  promptTokens: number,
) {
  return {
    object: 'list' as const,
    data: embeddings.map((embedding, index) => {
      const values = embedding.values ?? [];
      return {
        object: 'embedding' as const,
        index,
        embedding:
          encoding === 'base64' ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values,
      };
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export interface OpenAIImageRequest {
  model?: string;
  prompt?: string;
  n?: number;
  size?: string | null;
  response_format?: 'url' | 'b64_json';
}

// Imagen takes aspect ratios, not pixel sizes: the closest one for each of OpenAI's sizes.
const aspectRatioBySize: Record<string, string> = {
  '256x256': '1:1',
  '512x512': '1:1',
  '1024x1024': '1:1',
  '1792x1024': '16:9',
  '1024x1792': '9:16',
  '1536x1024': '4:3',
  '1024x1536': '3:4',
};

function checkImageRequest(body: OpenAIImageRequest): { prompt: string; count: number } {
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '') {
    throw new OpenAIRequestError('prompt is required', 'prompt');
  }
  const count = body.n ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 4)
    throw new OpenAIRequestError('n must be 1 to 4', 'n');
  if (
    body.size !== undefined &&
    body.size !== null &&
    body.size !== 'auto' &&
    !Object.hasOwn(aspectRatioBySize, body.size)
  ) {
    throw new OpenAIRequestError(`size must be one of ${Object.keys(aspectRatioBySize).join(', ')}`, 'size');
  }
  return { prompt: body.prompt, count };
}

/** OpenAI images/generations → Imagen :predict. */
export function convertImagenRequest(body: OpenAIImageRequest) {
  const { prompt, count } = checkImageRequest(body);
  const aspectRatio =
    body.size && Object.hasOwn(aspectRatioBySize, body.size) ? aspectRatioBySize[body.size] : undefined;
  return {
    instances: [{ prompt }],
    parameters: { sampleCount: count, ...(aspectRatio ? { aspectRatio } : {}) },
  };
}

/** OpenAI images/generations → generateContent on a Gemini image model (one image per call). */
export function convertGeminiImageRequest(body: OpenAIImageRequest): GeminiRequest {
  const { prompt } = checkImageRequest(body);
  return {
    contents: [{ role: 'user', parts: [{ text: prompt }] }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
  };
}

export interface OpenAISpeechRequest {
  model?: string;
  input?: string;
  voice?: string;
  response_format?: OpenAISpeechFormat | null;
  speed?: number;
  instructions?: string;
}

// OpenAI's voices, each given a Gemini prebuilt voice; a Gemini voice name may be used directly.
const voiceByOpenAIName: Record<string, string> = {
  alloy: 'Kore',
  ash: 'Orus',
  ballad: 'Zephyr',
  coral: 'Callirrhoe',
  echo: 'Puck',
  fable: 'Charon',
  nova: 'Aoede',
  onyx: 'Fenrir',
  sage: 'Autonoe',
  shimmer: 'Leda',
  verse: 'Enceladus',
};

/** OpenAI's formats of audio/speech; `mp3` is what OpenAI answers when the request names none. */
export const openAISpeechFormats = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
export type OpenAISpeechFormat = (typeof openAISpeechFormats)[number];

export type SpeechSpeed = 'slow' | 'normal' | 'fast';

/** What a speech request that names no voice or speed gets: TTS_VOICE_NAME and TTS_SPEED. */
export interface SpeechDefaults {
  readonly voice: string;
  readonly speed: SpeechSpeed;
}

/**
 * OpenAI's `speed` (0.25 to 4, 1 normal) in the words a Gemini TTS model follows: Gemini has no
 * speed parameter, so the pace is asked for in the prompt, as gemini-balance does.
 */
function speedOf(speed: number | undefined, fallback: SpeechSpeed): SpeechSpeed {
  if (typeof speed !== 'number' || !Number.isFinite(speed)) return fallback;
  if (speed < 0.85) return 'slow';
  return speed > 1.15 ? 'fast' : 'normal';
}

/** OpenAI audio/speech → generateContent on a Gemini TTS model. */
export function convertSpeechRequest(
  body: OpenAISpeechRequest,
  defaults: SpeechDefaults = { voice: 'Zephyr', speed: 'normal' },
): {
  request: GeminiRequest;
  /** The format the client named; none when it named none (the route picks what it can serve). */
  format?: OpenAISpeechFormat;
} {
  if (typeof body.input !== 'string' || body.input.trim() === '')
    throw new OpenAIRequestError('input is required', 'input');
  const format = body.response_format ?? undefined;
  const openAIVoice = body.voice?.toLowerCase() ?? '';
  const voice = !body.voice
    ? defaults.voice
    : Object.hasOwn(voiceByOpenAIName, openAIVoice)
      ? (voiceByOpenAIName[openAIVoice] as string)
      : body.voice;
  const speed = speedOf(body.speed, defaults.speed);
  const said = body.instructions ? `${body.instructions}: ${body.input}` : body.input;
  const text = speed === 'normal' ? said : `Speak in a ${speed} speed voice: ${said}`;
  return {
    ...(format === undefined ? {} : { format }),
    request: {
      contents: [{ role: 'user', parts: [{ text }] }],
      generationConfig: {
        responseModalities: ['AUDIO'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: voice } } },
      },
    },
  };
}
