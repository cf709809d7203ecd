import { describe, expect, it } from 'vitest';
import { RejectedRowsError } from './rejected-rows-error.js';
import { type WriteMark, writeInOrder } from './write-in-order.js';

function ids() {
  let next = 0;
  return () => `w${++next}`;
}

describe('writeInOrder', () => {
  it('splits a refused batch until only the refused rows are left out, keeping the order', async () => {
    const written: number[] = [];
    const result = await writeInOrder(
      [1, -2, 3, 4, -5, 6, 7, 8],
      async (rows) => {
        if (rows.some((row) => row < 0)) throw new RejectedRowsError('refused');
        written.push(...rows);
      },
      ids(),
    );
    expect(written).toEqual([1, 3, 4, 6, 7, 8]);
    expect(result).toMatchObject({ settled: 8, rejected: 2 });
    expect(result.failure).toBeUndefined();
  });

  it('stops at a failure of another kind, naming the write whose outcome is unknown', async () => {
    const written: number[] = [];
    const marks: WriteMark[] = [];
    const lost = new Error('Connection terminated unexpectedly');
    const result = await writeInOrder(
      [1, -2, 3, 4],
      async (rows, mark) => {
        marks.push(mark);
        if (rows.length === 2 && rows[0] === 3) throw lost;
        if (rows.some((row) => row < 0)) throw new RejectedRowsError('refused');
        written.push(...rows);
      },
      ids(),
    );
    // [1,-2,3,4] splits into [1,-2] (1 written, -2 left out) and [3,4], which meets the lost connection.
    expect(written).toEqual([1]);
    expect(result).toMatchObject({
      settled: 2,
      rejected: 1,
      failure: lost,
      unsettled: { id: 'w5', rows: 2 },
    });
    expect(marks.map((mark) => mark.id)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5']);
  });

  it('sends a second try under the first one’s id, marked as such', async () => {
    const marks: WriteMark[] = [];
    await writeInOrder([1, 2], async (_rows, mark) => void marks.push(mark), ids(), 'w-earlier');
    expect(marks).toEqual([{ id: 'w-earlier', retried: true }]);
  });
});
