import type { ErrorLogEntry, LogSink, RequestLogEntry } from '../core/log-sink.js';
import { randomId } from '../core/random-id.js';
import type { LogRepository } from './log-repository.js';
import { RequestLogQueue } from './request-log-queue.js';
import { type WriteMark, writeInOrder } from './write-in-order.js';

/** A write cut off with its connection: its rows lead the held ones, and go again under its id. */
type Unsettled = { readonly id: string; readonly rows: number };

/** What the writer tells its owner: one event when writes start failing, one when they recover. */
export type LogWriterEvent =
  | { readonly kind: 'outage'; readonly error: unknown }
  | {
      readonly kind: 'recovered';
      readonly downMs: number;
      /** Entries written late because of the outage. */
      readonly delayed: number;
      /** Entries dropped because the memory bound was reached. */
      readonly dropped: number;
    }
  /** Rows the database refused for what they hold; only they were left out of their batch. */
  | { readonly kind: 'rejected'; readonly entries: number; readonly error: unknown }
  /** Entries dropped while storage was up but slower than the requests (at most once a minute). */
  | { readonly kind: 'dropped'; readonly entries: number }
  /** At close: entries that could not be written, and entries dropped since the last report. */
  | { readonly kind: 'unwritten'; readonly entries: number; readonly dropped: number };

export interface LogWriterOptions {
  readonly flushIntervalMs?: number;
  /** Entries held at most (both logs) while storage is slow or down; newer ones are dropped beyond it. */
  readonly maxQueued?: number;
  /** Text held at most in error entries (messages and request bodies), in UTF-16 units. */
  readonly maxQueuedErrorChars?: number;
  /** The pause after a failed write, doubling with each failure up to `max`. */
  readonly retryDelayMs?: { readonly first: number; readonly max: number };
  readonly onEvent?: (event: LogWriterEvent) => void;
}

export interface LogWriter extends LogSink {
  /** Entries held now (queued, or kept after a failed write), and entries dropped since start. */
  backlog(): { readonly queued: number; readonly dropped: number };
  /** Writes everything queued so far, now, even while backing off after failures. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

// One repository call writes at most this many rows: after an outage thousands wait, and SQLite
// writes synchronously, so they go in slices with a turn of the event loop between.
const rowsPerWrite = 1000;
const dropReportIntervalMs = 60_000;

const errorChars = (entry: ErrorLogEntry) => entry.message.length + (entry.requestBody?.length ?? 0);
const totalChars = (entries: readonly ErrorLogEntry[]) =>
  entries.reduce((sum, entry) => sum + errorChars(entry), 0);
const append = <T>(older: T[], newer: T[]) =>
  older.length === 0 ? newer : newer.length === 0 ? older : older.concat(newer);
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));
const newWriteId = () => randomId(12);

/**
 * Log entries are queued in memory and written in batches on a timer, so logging costs the
 * request path an array push, and a slow or failing database never fails a request. Entries a
 * failed write could not store are held, in order, and written first when storage answers again.
 */
export function createLogWriter(repository: LogRepository, options: LogWriterOptions = {}): LogWriter {
  const maxQueued = options.maxQueued ?? 50_000;
  const maxErrorChars = options.maxQueuedErrorChars ?? 32 * 1024 * 1024;
  const firstDelayMs = options.retryDelayMs?.first ?? 200;
  const maxDelayMs = options.retryDelayMs?.max ?? 30_000;
  const report = options.onEvent ?? (() => {});
  const queued = new RequestLogQueue();
  let queuedErrors: ErrorLogEntry[] = [];
  // Taken from the queues but not written yet: written before anything newer.
  let heldRequests: RequestLogEntry[] = [];
  let heldErrors: ErrorLogEntry[] = [];
  let heldErrorChars = 0;
  let unsettledRequests: Unsettled | undefined;
  let unsettledErrors: Unsettled | undefined;
  let dropped = 0;
  /** Every entry dropped since start, for the metrics: `dropped` restarts with each report. */
  let droppedTotal = 0;
  let lastDropReportMs = Number.NEGATIVE_INFINITY;
  let outage: { sinceMs: number; delayed: number } | undefined;
  let retryDelayMs = firstDelayMs;
  let nextTryMs = 0;
  let writing: Promise<void> | undefined;

  const held = () => queued.length + queuedErrors.length + heldRequests.length + heldErrors.length;

  /**
   * Writes rows a slice at a time, starting with the write cut off last time, if any; returns the
   * rows left when storage failed, why, and the write cut off this time.
   */
  async function writeRows<T>(
    rows: T[],
    insert: (rows: readonly T[], mark: WriteMark) => Promise<void>,
    cutOff: Unsettled | undefined,
  ): Promise<{ rest: T[]; failure?: unknown; unsettled?: Unsettled }> {
    let start = 0;
    let retry = cutOff;
    while (start < rows.length) {
      const slice = rows.slice(start, start + (retry?.rows ?? rowsPerWrite));
      const result = await writeInOrder(slice, insert, newWriteId, retry?.id);
      retry = undefined;
      start += result.settled;
      if (outage) outage.delayed += result.settled - result.rejected;
      if (result.rejected > 0)
        report({ kind: 'rejected', entries: result.rejected, error: result.rejection });
      if (result.failure !== undefined) {
        return {
          rest: rows.slice(start),
          failure: result.failure,
          ...(result.unsettled ? { unsettled: result.unsettled } : {}),
        };
      }
      if (start < rows.length) await yieldToIo();
    }
    return { rest: [] };
  }

  async function writeHeld(): Promise<void> {
    heldRequests = append(heldRequests, queued.drain());
    heldErrors = append(heldErrors, queuedErrors);
    queuedErrors = [];
    const requests = await writeRows(
      heldRequests,
      (rows, mark) => repository.insertRequests(rows, mark),
      unsettledRequests,
    );
    heldRequests = requests.rest;
    unsettledRequests = requests.unsettled;
    let failure = requests.failure;
    if (failure === undefined) {
      const errors = await writeRows(
        heldErrors,
        (rows, mark) => repository.insertErrors(rows, mark),
        unsettledErrors,
      );
      heldErrors = errors.rest;
      unsettledErrors = errors.unsettled;
      failure = errors.failure;
    }
    heldErrorChars = totalChars(heldErrors) + totalChars(queuedErrors);
    if (failure !== undefined) failed(failure);
    else succeeded();
  }

  function failed(error: unknown): void {
    if (!outage) {
      outage = { sinceMs: Date.now(), delayed: 0 };
      report({ kind: 'outage', error });
    }
    nextTryMs = Date.now() + retryDelayMs;
    retryDelayMs = Math.min(retryDelayMs * 2, maxDelayMs);
  }

  function succeeded(): void {
    if (outage) {
      report({ kind: 'recovered', downMs: Date.now() - outage.sinceMs, delayed: outage.delayed, dropped });
      outage = undefined;
      dropped = 0;
      retryDelayMs = firstDelayMs;
    } else if (dropped > 0 && Date.now() - lastDropReportMs >= dropReportIntervalMs) {
      report({ kind: 'dropped', entries: dropped });
      dropped = 0;
      lastDropReportMs = Date.now();
    }
  }

  function write(): Promise<void> {
    writing = writeHeld().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  async function flush(): Promise<void> {
    // One write at a time; a flush asked for during a write runs after it.
    while (writing) await writing;
    if (held() > 0) await write();
  }

  // Frequent small batches: SQLite writes synchronously, and a batch of thousands of rows would
  // hold the event loop for tens of milliseconds. After a failure the timer waits out the backoff.
  const timer = setInterval(() => {
    if (writing || held() === 0 || (outage && Date.now() < nextTryMs)) return;
    void write();
  }, options.flushIntervalMs ?? 200);
  timer.unref();

  return {
    request(entry: RequestLogEntry) {
      if (held() < maxQueued) queued.push(entry);
      else {
        dropped += 1;
        droppedTotal += 1;
      }
    },
    error(entry) {
      const chars = errorChars(entry);
      if (held() < maxQueued && heldErrorChars + chars <= maxErrorChars) {
        queuedErrors.push(entry);
        heldErrorChars += chars;
      } else {
        dropped += 1;
        droppedTotal += 1;
      }
    },
    backlog: () => ({ queued: held(), dropped: droppedTotal }),
    flush,
    async close() {
      clearInterval(timer);
      await flush();
      if (held() > 0 || dropped > 0) report({ kind: 'unwritten', entries: held(), dropped });
    },
  };
}
