/**
 * Gemini's TTS audio is raw signed 16-bit little-endian PCM (`audio/L16;codec=pcm;rate=24000`,
 * PROTOCOLS.md §1.2); a WAV file is that PCM behind a 44-byte RIFF header.
 */
export function encodeWav(pcm: Buffer, sampleRate = 24_000, channels = 1, bitsPerSample = 16): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = (channels * bitsPerSample) / 8;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** The sample rate in a Gemini audio MIME type such as `audio/L16;codec=pcm;rate=24000`. */
export function sampleRateOf(mimeType: string): number {
  return Number(/rate=(\d+)/.exec(mimeType)?.[1] ?? 24_000);
}
