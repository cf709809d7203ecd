import { describe, expect, it } from 'vitest';
import {
  encodedSpeechFormats,
  ffmpegArgumentsFor,
  speechEncodings,
  speechFormatsIn,
} from './speech-encodings.js';

describe('speech encodings', () => {
  it.each([
    ['mp3', 'audio/mpeg', 'libmp3lame', 'mp3'],
    ['opus', 'audio/opus', 'libopus', 'ogg'],
    ['aac', 'audio/aac', 'aac', 'adts'],
    ['flac', 'audio/flac', 'flac', 'flac'],
  ] as const)('%s is served as %s, made by %s in %s', (format, contentType, encoder, container) => {
    expect(speechEncodings[format].contentType).toBe(contentType);
    const args = ffmpegArgumentsFor(format, 24_000);
    // Raw s16le mono at the answer's rate in on stdin, the file out on stdout: no file names, ever.
    expect(args.join(' ')).toContain('-f s16le -ar 24000 -ac 1 -i pipe:0');
    expect(args.slice(-5)).toEqual(['-c:a', encoder, '-f', container, 'pipe:1']);
    expect(args).toContain('-nostdin');
    expect(args.filter((arg) => arg.includes('/'))).toEqual([]);
  });

  it('passes the sample rate the answer named', () => {
    const args = ffmpegArgumentsFor('flac', 16_000);
    expect(args[args.indexOf('-ar') + 1]).toBe('16000');
  });

  it('reads the formats an ffmpeg can make from its -encoders listing', () => {
    const listing = [
      'Encoders:',
      ' V..... = Video',
      ' A..... = Audio',
      ' ------',
      ' V....D libx264              libx264 H.264',
      ' A....D aac                  AAC (Advanced Audio Coding)',
      ' A....D flac                 FLAC (Free Lossless Audio Codec)',
      ' A....D libopus              libopus Opus (codec opus)',
      ' A....D libmp3lame           libmp3lame MP3 (MPEG audio layer 3) (codec mp3)',
    ].join('\n');
    expect(speechFormatsIn(listing)).toEqual([...encodedSpeechFormats]);
    // A build without LAME makes everything but mp3; a video encoder of the same name is no audio one.
    expect(speechFormatsIn(listing.replace(/^.*libmp3lame.*$/m, ''))).toEqual(['opus', 'aac', 'flac']);
    expect(speechFormatsIn(' V....D flac  not audio')).toEqual([]);
    expect(speechFormatsIn('')).toEqual([]);
  });
});
