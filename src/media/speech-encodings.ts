// The compressed formats of OpenAI's audio/speech, made from Gemini's raw PCM by ffmpeg: what ffmpeg
// is asked for each, and the content type each is served with. Pure: the process is run elsewhere.

export const encodedSpeechFormats = ['mp3', 'opus', 'aac', 'flac'] as const;
export type EncodedSpeechFormat = (typeof encodedSpeechFormats)[number];

interface SpeechEncoding {
  readonly contentType: string;
  /** ffmpeg's encoder, as `ffmpeg -encoders` lists it. */
  readonly encoder: string;
  /** ffmpeg's muxer: the container the encoded audio goes out in. */
  readonly container: string;
}

export const speechEncodings: Readonly<Record<EncodedSpeechFormat, SpeechEncoding>> = {
  mp3: { contentType: 'audio/mpeg', encoder: 'libmp3lame', container: 'mp3' },
  // An Ogg Opus file, as OpenAI sends it, under the content type OpenAI sends (`audio/opus`):
  // clients written against OpenAI pick a file extension or a player from it. (RFC 7845 would say
  // `audio/ogg`; the bytes are the same either way, and players sniff the `OggS` page anyway.)
  opus: { contentType: 'audio/opus', encoder: 'libopus', container: 'ogg' },
  // AAC in ADTS frames, a stream a player reads from its first byte, as OpenAI sends it (an MP4
  // container could not be written to a pipe without buffering the whole file).
  aac: { contentType: 'audio/aac', encoder: 'aac', container: 'adts' },
  flac: { contentType: 'audio/flac', encoder: 'flac', container: 'flac' },
};

/**
 * ffmpeg's arguments for one encoding: raw signed 16-bit little-endian mono PCM at `sampleRate` on
 * stdin, the encoded file on stdout. Only errors go to stderr; no version string goes into the file
 * (which software the gateway runs is no client's business).
 */
export function ffmpegArgumentsFor(format: EncodedSpeechFormat, sampleRate: number): string[] {
  const { encoder, container } = speechEncodings[format];
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...['-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0'],
    ...['-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact'],
    ...['-c:a', encoder, '-f', container, 'pipe:1'],
  ];
}

/** The arguments that make ffmpeg list its encoders (on stdout), for `speechFormatsIn`. */
export const listEncodersArguments = ['-hide_banner', '-nostdin', '-encoders'];

/**
 * The formats an ffmpeg can make, read from its `-encoders` listing: one line per encoder, its
 * capability flags then its name (` A....D libmp3lame  libmp3lame MP3 ...`). A build without an
 * encoder (a static ffmpeg without LAME) refuses that format alone.
 */
export function speechFormatsIn(listing: string): EncodedSpeechFormat[] {
  const audioEncoders = new Set(
    listing.split('\n').flatMap((line) => /^\s*A[.A-Z]{5}\s+(\S+)/.exec(line)?.slice(1) ?? []),
  );
  return encodedSpeechFormats.filter((format) => audioEncoders.has(speechEncodings[format].encoder));
}
