/** STREAM_OPTIMIZER_*: how a piece of streamed text is re-cut for a steady typewriter effect. */
export interface StreamOptimizerSettings {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Text shorter than this goes out a character at a time, slowly. */
  readonly shortThreshold: number;
  /** Text longer than this goes out in `chunkSize` pieces, quickly. */
  readonly longThreshold: number;
  readonly chunkSize: number;
}

export interface TextPiece {
  readonly text: string;
  /** The pause after this piece. */
  readonly delayMs: number;
}

/**
 * Cuts a text into pieces with pauses, the way gemini-balance's stream optimizer paces output:
 * short texts character by character at the longest pause, long texts in chunks at the shortest,
 * and in between character by character with a pause that shrinks as the text grows. Characters
 * are code points, so no emoji or CJK character is split.
 */
export function planTextPieces(text: string, settings: StreamOptimizerSettings): TextPiece[] {
  const characters = Array.from(text);
  const length = characters.length;
  if (length === 0) return [];
  if (length > settings.longThreshold) {
    const pieces: TextPiece[] = [];
    for (let start = 0; start < length; start += settings.chunkSize) {
      pieces.push({
        text: characters.slice(start, start + settings.chunkSize).join(''),
        delayMs: settings.minDelayMs,
      });
    }
    return pieces;
  }
  let delayMs = settings.maxDelayMs;
  if (length >= settings.shortThreshold) {
    const span = Math.max(settings.longThreshold - settings.shortThreshold, 1);
    const progress = (length - settings.shortThreshold) / span;
    delayMs = settings.maxDelayMs - progress * (settings.maxDelayMs - settings.minDelayMs);
  }
  return characters.map((character) => ({ text: character, delayMs }));
}
