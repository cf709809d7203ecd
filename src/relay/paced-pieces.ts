import type { DecodedChunk } from '../protocols/generation-event.js';
import {
  planTextPieces,
  type StreamOptimizerSettings,
  type TextPiece,
} from '../streaming/plan-text-pieces.js';

/**
 * The pieces a chunk's text is paced in (STREAM_OPTIMIZER_*), or undefined when the chunk goes out
 * as it is: only a chunk whose one content event is (non-empty) text is re-cut, so reasoning, tool calls and
 * media are never split or reordered.
 */
export function pacedPieces(
  chunk: DecodedChunk,
  optimizer: StreamOptimizerSettings,
): TextPiece[] | undefined {
  let text: string | undefined;
  for (const event of chunk.events) {
    switch (event.type) {
      case 'text':
        // Gemini 3 ends a turn with an empty text part that carries the thought signature.
        if (event.text === '') break;
        if (text !== undefined) return undefined;
        text = event.text;
        break;
      case 'reasoning':
      case 'tool-call':
      case 'file':
      case 'code':
      case 'code-result':
      case 'error':
        return undefined;
      default:
        break;
    }
  }
  return text ? planTextPieces(text, optimizer) : undefined;
}
