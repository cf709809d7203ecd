import { RejectedRowsError } from './rejected-rows-error.js';

export interface OrderedWrite {
  /** Rows from the front that are settled: written, or left out as refused. */
  readonly settled: number;
  /** Of those, the rows the database refused and that were left out. */
  readonly rejected: number;
  /** Why writing stopped before the end (storage unreachable); the rows after `settled` wait. */
  readonly failure?: unknown;
  /** The last refusal, for the report. */
  readonly rejection?: RejectedRowsError;
}

/**
 * Writes rows in order. When the database refuses a batch for what it holds, the batch is split in
 * halves until only the refused rows are left out; a failure of any other kind (a lost connection)
 * stops the write, leaving the rest for a later try.
 */
export async function writeInOrder<T>(
  rows: readonly T[],
  insert: (rows: readonly T[]) => Promise<void>,
): Promise<OrderedWrite> {
  let settled = 0;
  let rejected = 0;
  let rejection: RejectedRowsError | undefined;

  async function write(part: readonly T[]): Promise<unknown> {
    try {
      await insert(part);
      settled += part.length;
      return undefined;
    } catch (error) {
      if (!(error instanceof RejectedRowsError)) return error ?? new Error('the write failed');
      rejection = error;
      if (part.length === 1) {
        settled += 1;
        rejected += 1;
        return undefined;
      }
      const middle = part.length >> 1;
      return (await write(part.slice(0, middle))) ?? (await write(part.slice(middle)));
    }
  }

  const failure = rows.length > 0 ? await write(rows) : undefined;
  return {
    settled,
    rejected,
    ...(failure === undefined ? {} : { failure }),
    ...(rejection === undefined ? {} : { rejection }),
  };
}
