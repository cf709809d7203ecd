import type { ErrorLogEntry, LogSink, RequestLogEntry } from '../core/log-sink.js';
import type { LogRepository } from './log-repository.js';
import { RequestLogQueue } from './request-log-queue.js';

export interface LogWriterOptions {
  readonly flushIntervalMs?: number;
  /** Entries held at most while storage is slow or down; newer ones are dropped beyond it. */
  readonly maxQueued?: number;
  readonly onError?: (error: unknown, dropped: number) => void;
}

export interface LogWriter extends LogSink {
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

/**
 * Log entries are queued in memory and written in batches on a timer, so logging costs the
 * request path an array push, and a slow or failing database never fails a request.
 */
export function createLogWriter(repository: LogRepository, options: LogWriterOptions = {}): LogWriter {
  const maxQueued = options.maxQueued ?? 50_000;
  const requests = new RequestLogQueue();
  let errors: ErrorLogEntry[] = [];
  let dropped = 0;
  let writing: Promise<void> | undefined;

  async function writeQueued(): Promise<void> {
    if (dropped > 0) options.onError?.(new Error('log queue full: storage is too slow or down'), dropped);
    dropped = 0;
    const requestBatch = requests.drain();
    const errorBatch = errors;
    errors = [];
    try {
      if (requestBatch.length > 0) await repository.insertRequests(requestBatch);
    } catch (error) {
      options.onError?.(error, requestBatch.length);
    }
    try {
      if (errorBatch.length > 0) await repository.insertErrors(errorBatch);
    } catch (error) {
      options.onError?.(error, errorBatch.length);
    }
  }

  async function flush(): Promise<void> {
    // One write at a time; a flush asked for during a write runs after it.
    while (writing) await writing;
    if (requests.length === 0 && errors.length === 0) return;
    writing = writeQueued().finally(() => {
      writing = undefined;
    });
    await writing;
  }

  // Frequent small batches: SQLite writes synchronously, and a batch of thousands of rows would
  // hold the event loop for tens of milliseconds.
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 200);
  timer.unref();

  return {
    request(entry: RequestLogEntry) {
      if (requests.length < maxQueued) requests.push(entry);
      else dropped += 1;
    },
    error(entry) {
      if (errors.length < maxQueued) errors.push(entry);
      else dropped += 1;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
