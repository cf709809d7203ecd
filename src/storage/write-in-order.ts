import { RejectedRowsError } from './rejected-rows-error.js';

/** One atomic write: its id, and whether it is a second try of a write whose outcome is unknown. */
export interface WriteMark {
  readonly id: string;
  readonly retried: boolean;
}

export interface OrderedWrite {
  /** Rows from the front that are settled: written, or left out as refused. */
  readonly settled: number;
  /** Of those, the rows the database refused and that were left out. */
  readonly rejected: number;
  /** Why writing stopped before the end (storage unreachable); the rows after `settled` wait. */
  readonly failure?: unknown;
  /**
   * The write that failed: the rows after `settled` it held and its id. A connection lost during a
   * write leaves unknown whether it landed, so the same rows go again under the same id.
   */
  readonly unsettled?: { readonly id: string; readonly rows: number };
  /** The last refusal, for the report. */
  readonly rejection?: RejectedRowsError;
}

/**
 * Writes rows in order. When the database refuses a batch for what it holds, the batch is split in
 * halves until only the refused rows are left out; a failure of any other kind (a lost connection)
 * stops the write, leaving the rest for a later try. `retryOf` names the earlier write these rows
 * are a second try of.
 */
export async function writeInOrder<T>(
  rows: readonly T[],
  insert: (rows: readonly T[], mark: WriteMark) => Promise<void>,
  newId: () => string,
  retryOf?: string,
): Promise<OrderedWrite> {
  let settled = 0;
  let rejected = 0;
  let rejection: RejectedRowsError | undefined;
  let unsettled: { id: string; rows: number } | undefined;

  async function write(part: readonly T[], mark: WriteMark): Promise<unknown> {
    try {
      await insert(part, mark);
      settled += part.length;
      return undefined;
    } catch (error) {
      if (!(error instanceof RejectedRowsError)) {
        unsettled = { id: mark.id, rows: part.length };
        return error ?? new Error('the write failed');
      }
      // Refused whole, so nothing of it landed: its halves are new writes.
      rejection = error;
      if (part.length === 1) {
        settled += 1;
        rejected += 1;
        return undefined;
      }
      const middle = part.length >> 1;
      return (
        (await write(part.slice(0, middle), { id: newId(), retried: false })) ??
        (await write(part.slice(middle), { id: newId(), retried: false }))
      );
    }
  }

  const failure =
    rows.length > 0
      ? await write(
          rows,
          retryOf === undefined ? { id: newId(), retried: false } : { id: retryOf, retried: true },
        )
      : undefined;
  return {
    settled,
    rejected,
    ...(failure === undefined ? {} : { failure }),
    ...(unsettled === undefined ? {} : { unsettled }),
    ...(rejection === undefined ? {} : { rejection }),
  };
}
