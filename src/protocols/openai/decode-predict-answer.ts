import type { DecodedAnswer } from '../gemini/decode-gemini-chunk.js';
import type { GenerationEvent } from '../generation-event.js';
import { parsePredictAnswer } from './parse-gemini-answer.js';

/**
 * An Imagen :predict answer as the events of one candidate, so the chat surface says its images as
 * it says a Gemini model's: each image a file, then the finish, `content-filter` when Google's
 * filters left none. The chunk keeps no text of the answer (its base64 is megabytes, and no chat
 * encoder passes it on).
 */
export function decodePredictAnswer(body: Buffer): DecodedAnswer {
  const parsed = parsePredictAnswer(body);
  if (!parsed.ok) return { ok: false, problem: parsed.problem };
  const images = parsed.value;
  const events: GenerationEvent[] = [
    { type: 'candidate', candidate: 0 },
    ...images.map(
      (image): GenerationEvent => ({
        type: 'file',
        candidate: 0,
        mimeType: image.mimeType ?? 'image/png',
        data: image.bytesBase64Encoded as string,
      }),
    ),
    images.length > 0
      ? { type: 'finish', candidate: 0, reason: 'stop', upstreamReason: 'STOP' }
      : { type: 'finish', candidate: 0, reason: 'content-filter', upstreamReason: 'NO_IMAGES' },
  ];
  return { ok: true, chunk: { events, data: '' } };
}
