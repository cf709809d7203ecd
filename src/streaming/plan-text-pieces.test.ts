import { describe, expect, it } from 'vitest';
import { planTextPieces } from './plan-text-pieces.js';

const settings = { minDelayMs: 16, maxDelayMs: 24, shortThreshold: 10, longThreshold: 50, chunkSize: 5 };

describe('planTextPieces', () => {
  it('sends short text a character at a time at the longest pause', () => {
    expect(planTextPieces('Hi ☀!', settings)).toEqual(
      ['H', 'i', ' ', '☀', '!'].map((text) => ({ text, delayMs: 24 })),
    );
  });

  it('sends long text in chunks at the shortest pause, keeping every character', () => {
    const text = `${'x'.repeat(52)}👍🏽`;
    const pieces = planTextPieces(text, settings);
    expect(pieces.map((piece) => piece.text).join('')).toBe(text);
    expect(pieces.every((piece) => piece.delayMs === 16 && Array.from(piece.text).length <= 5)).toBe(true);
    expect(pieces).toHaveLength(11);
  });

  it('shortens the pause as the text grows between the thresholds', () => {
    const [first] = planTextPieces('y'.repeat(30), settings);
    expect(first?.delayMs).toBe(20);
    expect(planTextPieces('', settings)).toEqual([]);
  });
});
