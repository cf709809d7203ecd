import type { RateLimit } from '../keypool/usage-window.js';

/**
 * KEY_RATE_LIMITS: the operator's own ceilings per key, by model, below Google's quotas so the
 * pool stops before Google says 429: `{"gemini-2.5-pro": {"rpm": 5, "rpd": 100}, "*": {"rpm": 15}}`.
 */
export function parseRateLimits(text: string): Record<string, RateLimit> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('expected a JSON object such as {"gemini-2.5-pro": {"rpm": 5, "rpd": 100}}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('expected a JSON object of model → {rpm, rpd}');
  }
  const limits: Record<string, RateLimit> = {};
  for (const [model, value] of Object.entries(parsed)) {
    const { rpm, rpd, ...rest } = (value ?? {}) as Record<string, unknown>;
    const valid = (n: unknown) => n === undefined || (Number.isInteger(n) && (n as number) > 0);
    if (Object.keys(rest).length > 0 || !valid(rpm) || !valid(rpd)) {
      throw new Error(`the limits for "${model}" must be {"rpm": whole number, "rpd": whole number}`);
    }
    limits[model] = {
      ...(rpm === undefined ? {} : { rpm: rpm as number }),
      ...(rpd === undefined ? {} : { rpd: rpd as number }),
    };
  }
  return limits;
}
