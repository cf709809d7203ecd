import { describe, expect, it } from 'vitest';
import { fillBuckets } from './fill-buckets';

describe('fillBuckets', () => {
  it('lays every bucket of the range out, with zeros where the series has no point', () => {
    const filled = fillBuckets(
      [
        { bucket: 60_000, requests: 3, failures: 1 },
        { bucket: 180_000, requests: 5, failures: 'x' },
      ],
      60_000,
      70_000,
      200_000,
      ['requests', 'failures'],
    );
    expect(filled.times).toEqual([60_000, 120_000, 180_000]);
    expect(filled.values).toEqual({ requests: [3, 0, 5], failures: [1, 0, 0] });
  });

  it('gives one bucket when the range lies within one', () => {
    expect(fillBuckets([], 3_600_000, 10, 20, ['requests'])).toEqual({
      times: [0],
      values: { requests: [0] },
    });
  });
});
