/** Time as a port, so the pool's state transitions can be tested with a controlled clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
