import { deflateSync } from 'node:zlib';

// Media the fake generates itself: a tiny valid PNG and raw speech PCM, both fixed by their inputs
// so tests can compute the exact bytes they expect.

const crcTable = Array.from({ length: 256 }, (_, byte) => {
  let value = byte;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

/** CRC-32 as PNG chunks need it; `zlib.crc32` only exists in recent Node releases. */
export function crc32(bytes: Uint8Array): number {
  let value = 0xffffffff;
  for (const byte of bytes) value = (crcTable[(value ^ byte) & 0xff] as number) ^ (value >>> 8);
  return (value ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** 2×2 pixels, 8-bit RGB: red, green / blue, white. */
const pixelRows = [
  [255, 0, 0, 0, 255, 0],
  [0, 0, 255, 255, 255, 255],
];

function buildPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter, no interlace
  // Each scanline starts with its filter type, 0 (none).
  const scanlines = Buffer.from(pixelRows.flatMap((row) => [0, ...row]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const png = buildPng();

/** The image every image answer and every Imagen prediction carries. */
export function fakePng(): Buffer {
  return Buffer.from(png);
}

/** Google's prebuilt TTS voices; the API matches them without regard to case. */
export const prebuiltVoices = [
  'Zephyr',
  'Puck',
  'Charon',
  'Kore',
  'Fenrir',
  'Leda',
  'Orus',
  'Aoede',
  'Callirrhoe',
  'Autonoe',
  'Enceladus',
  'Iapetus',
  'Umbriel',
  'Algieba',
  'Despina',
  'Erinome',
  'Algenib',
  'Rasalgethi',
  'Laomedeia',
  'Achernar',
  'Alnilam',
  'Schedar',
  'Gacrux',
  'Pulcherrima',
  'Achird',
  'Zubenelgenubi',
  'Vindemiatrix',
  'Sadachbia',
  'Sadaltager',
  'Sulafat',
] as const;

export function isPrebuiltVoice(name: string): boolean {
  return prebuiltVoices.some((voice) => voice.toLowerCase() === name.toLowerCase());
}

const speechSampleRate = 24_000;
export const speechMimeType = `audio/L16;codec=pcm;rate=${speechSampleRate}`;

/** 20 ms of speech per character of text, at most 3 s. */
function fakeSpeechDurationMs(text: string): number {
  return Math.min(text.length * 20, 3000);
}

/** Bytes of raw s16le mono PCM the fake speaks for a text. */
export function fakeSpeechByteLength(text: string): number {
  return (fakeSpeechDurationMs(text) * speechSampleRate * 2) / 1000;
}

/** A 440 Hz tone as long as the text warrants: raw signed 16-bit little-endian mono PCM at 24 kHz. */
export function fakeSpeechPcm(text: string): Buffer {
  const pcm = Buffer.alloc(fakeSpeechByteLength(text));
  for (let sample = 0; sample < pcm.length / 2; sample++) {
    const value = Math.round(8000 * Math.sin((2 * Math.PI * 440 * sample) / speechSampleRate));
    pcm.writeInt16LE(value, sample * 2);
  }
  return pcm;
}

/** Text-to-speech models (`gemini-2.5-flash-preview-tts`, ...) answer only with audio. */
export function isSpeechModel(modelId: string): boolean {
  return modelId.endsWith('-tts');
}
