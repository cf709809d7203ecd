import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './login-throttle.js';

describe('createLoginThrottle', () => {
  const options = { limit: 3, windowMs: 60_000, maxAddresses: 2 };

  it('refuses an address after `limit` failures until its window ends', () => {
    const throttle = createLoginThrottle(options);
    for (const at of [0, 1_000, 2_000]) {
      expect(throttle.waitMs('a', at)).toBe(0);
      throttle.failed('a', at);
    }
    expect(throttle.waitMs('a', 2_000)).toBe(58_000);
    expect(throttle.waitMs('b', 2_000)).toBe(0);
    expect(throttle.waitMs('a', 59_999)).toBe(1);
    expect(throttle.waitMs('a', 60_000)).toBe(0);
    throttle.failed('a', 60_000);
    expect(throttle.waitMs('a', 60_000)).toBe(0);
  });

  it('forgets an address whose sign-in succeeded', () => {
    const throttle = createLoginThrottle(options);
    for (const at of [0, 1, 2]) throttle.failed('a', at);
    throttle.succeeded('a');
    expect(throttle.waitMs('a', 3)).toBe(0);
  });

  it('remembers at most maxAddresses, forgetting the oldest', () => {
    const throttle = createLoginThrottle(options);
    for (const address of ['a', 'b', 'c']) for (const at of [0, 1, 2]) throttle.failed(address, at);
    expect(throttle.waitMs('a', 3)).toBe(0);
    expect(throttle.waitMs('b', 3)).toBeGreaterThan(0);
    expect(throttle.waitMs('c', 3)).toBeGreaterThan(0);
  });
});
