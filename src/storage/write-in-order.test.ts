import { describe, expect, it } from 'vitest';
import { RejectedRowsError } from './rejected-rows-error.js';
import { writeInOrder } from './write-in-order.js';

describe('writeInOrder', () => {
  it('splits a refused batch until only the refused rows are left out, keeping the order', async () => {
    const written: number[] = [];
    const result = await writeInOrder([1, -2, 3, 4, -5, 6, 7, 8], async (rows) => {
      if (rows.some((row) => row < 0)) throw new RejectedRowsError('refused');
      written.push(...rows);
    });
    expect(written).toEqual([1, 3, 4, 6, 7, 8]);
    expect(result).toMatchObject({ settled: 8, rejected: 2 });
    expect(result.failure).toBeUndefined();
  });

  it('stops at a failure of another kind, reporting how far it got', async () => {
    const written: number[] = [];
    const lost = new Error('Connection terminated unexpectedly');
    const result = await writeInOrder([1, -2, 3, 4], async (rows) => {
      if (rows.length === 2 && rows[0] === 3) throw lost;
      if (rows.some((row) => row < 0)) throw new RejectedRowsError('refused');
      written.push(...rows);
    });
    // [1,-2,3,4] splits into [1,-2] (1 written, -2 left out) and [3,4], which meets the lost connection.
    expect(written).toEqual([1]);
    expect(result).toMatchObject({ settled: 2, rejected: 1, failure: lost });
  });
});
