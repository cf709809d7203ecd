import { describe, expect, it } from 'vitest';
import { parseRateLimits } from './parse-rate-limits.js';

describe('parseRateLimits', () => {
  it('reads limits per model', () => {
    expect(parseRateLimits('{"gemini-2.5-pro": {"rpm": 5, "rpd": 100}, "*": {"rpm": 15}}')).toEqual({
      'gemini-2.5-pro': { rpm: 5, rpd: 100 },
      '*': { rpm: 15 },
    });
  });

  it.each(['[1]', '{"m": {"rpm": 0}}', '{"m": {"rpm": 1.5}}', '{"m": {"tpm": 5}}', 'rpm=5'])(
    'rejects %s',
    (text) => {
      expect(() => parseRateLimits(text)).toThrow();
    },
  );
});
