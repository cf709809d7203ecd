import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Cancellation } from '../core/cancellation.js';
import { type SpeechEncoder, SpeechEncodingError } from '../media/create-speech-encoder.js';
import { type EncodedSpeechFormat, speechEncodings } from '../media/speech-encodings.js';
import type { WholeAnswer } from '../protocols/generation-surface.js';
import { checkSpeechRequest } from '../protocols/openai/check-media-requests.js';
import { convertSpeechRequest, type OpenAISpeechFormat } from '../protocols/openai/convert-media-requests.js';
import { encodeWav, sampleRateOf } from '../protocols/openai/encode-wav.js';
import { createOpenAIErrorBody, OpenAIRequestError } from '../protocols/openai/openai-error.js';
import { parseGeneratedFiles } from '../protocols/openai/parse-gemini-answer.js';
import { createOpenAIWholeSurface } from '../protocols/openai/whole-surface.js';
import type { RelayContext } from '../relay/relay-call.js';
import { runWhole } from '../relay/run-generation.js';
import { createClientChannel } from './create-client-channel.js';
import type { OpenStreams } from './open-streams.js';
import { parseJsonBody } from './openai-chat.js';

export interface SpeechOptions {
  readonly relay: RelayContext;
  readonly openStreams: OpenStreams;
  readonly settings: Pick<Settings, 'TTS_MODEL' | 'TTS_VOICE_NAME' | 'TTS_SPEED'>;
  /** mp3, opus, aac and flac, made by ffmpeg (FFMPEG_PATH). */
  readonly speechEncoder: SpeechEncoder;
}

// Sample rates an audio file can carry; Gemini speaks at 24 kHz. Another (`rate=0`) is no audio.
const minSampleRate = 8_000;
const maxSampleRate = 192_000;

/**
 * The format the speech is answered in: the one the request named, or, when it named none, OpenAI's
 * default mp3 — WAV where this gateway's ffmpeg cannot make mp3, since the client did not ask for
 * mp3 by name. A named format ffmpeg cannot make is refused before any call to Google.
 */
async function speechFormatOf(
  named: OpenAISpeechFormat | undefined,
  encoder: SpeechEncoder,
): Promise<OpenAISpeechFormat> {
  if (named === 'wav' || named === 'pcm') return named;
  const formats = await encoder.formats();
  if (named === undefined) return formats.has('mp3') ? 'mp3' : 'wav';
  if (formats.has(named)) return named;
  throw new OpenAIRequestError(
    `response_format ${named} is not available: this gateway makes it with ffmpeg, which it does not have ` +
      '(or which lacks that encoder; see FFMPEG_PATH). wav and pcm need no encoder and work.',
    'response_format',
    400,
    'unsupported_value',
  );
}

/** Gemini's PCM, as its answer carries it, encoded into `format`; a failure is a 500 in OpenAI's shape. */
async function encodedAnswer(
  request: FastifyRequest,
  encoder: SpeechEncoder,
  format: EncodedSpeechFormat,
  pcm: WholeAnswer,
  signal: Cancellation,
): Promise<WholeAnswer> {
  try {
    const body = await encoder.encode(pcm.body as Buffer, sampleRateOf(pcm.contentType), format, signal);
    return { status: 200, contentType: speechEncodings[format].contentType, body };
  } catch (error) {
    if (!(error instanceof SpeechEncodingError)) throw error;
    // ffmpeg's own words (`detail`) go to the operator's log only, never to the client. A client
    // that left had its ffmpeg killed: no fault, and the pipeline logs the request as closed.
    if (!signal.aborted)
      request.log.error({ format, reason: error.message, ffmpeg: error.detail }, 'could not encode speech');
    const message = `The gateway could not encode the speech as ${format} (${error.message}); wav and pcm need no encoder.`;
    return {
      status: 500,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(createOpenAIErrorBody(500, message)),
    };
  }
}

/** POST /v1/audio/speech: Gemini's TTS, its PCM served raw, as WAV, or encoded by ffmpeg. */
export async function handleSpeech(options: SpeechOptions, request: FastifyRequest, reply: FastifyReply) {
  const { settings, speechEncoder } = options;
  const body = checkSpeechRequest(parseJsonBody(request));
  // OpenAI's TTS model names mean "text to speech": Gemini's TTS model (TTS_MODEL) does it.
  const model = !body.model || /^(tts-|gpt-)/.test(body.model) ? settings.TTS_MODEL : body.model;
  const converted = convertSpeechRequest(body, {
    voice: settings.TTS_VOICE_NAME,
    speed: settings.TTS_SPEED,
  });
  const format = await speechFormatOf(converted.format, speechEncoder);
  await runWhole(options.relay, {
    call: {
      route: 'openai audio.speech',
      model,
      stream: false,
      request: {
        method: 'POST',
        path: `/v1beta/models/${encodeURIComponent(model)}:generateContent`,
        query: '',
        body: Buffer.from(JSON.stringify(converted.request)),
      },
    },
    surface: createOpenAIWholeSurface(parseGeneratedFiles, (files) => {
      const audio = files.find((file) => file.mimeType.startsWith('audio/'));
      if (!audio) return { problem: 'no audio' };
      const sampleRate = sampleRateOf(audio.mimeType);
      if (!(sampleRate >= minSampleRate && sampleRate <= maxSampleRate))
        return { problem: 'audio at a sample rate no audio file carries' };
      const pcm = Buffer.from(audio.data, 'base64');
      if (format === 'pcm') return { status: 200, contentType: 'audio/pcm', body: pcm };
      if (format === 'wav')
        return { status: 200, contentType: 'audio/wav', body: encodeWav(pcm, sampleRate) };
      // Gemini's PCM under its own MIME type (which holds the rate), for `finish` to encode.
      return { status: 200, contentType: audio.mimeType, body: pcm };
    }),
    channel: createClientChannel(reply, options.openStreams),
    ...(format === 'wav' || format === 'pcm'
      ? {}
      : { finish: (pcm, signal) => encodedAnswer(request, speechEncoder, format, pcm, signal) }),
  });
  return reply;
}
