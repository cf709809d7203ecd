import type { ErrorLogEntry, LogSink, RequestLogEntry } from '../core/log-sink.js';
import type { LogRepository } from './log-repository.js';

export interface LogWriterOptions {
  readonly flushIntervalMs?: number;
  /** Entries held at most while storage is slow or down; the oldest are dropped beyond it. */
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
  let requests: RequestLogEntry[] = [];
  let errors: ErrorLogEntry[] = [];
  let writing: Promise<void> | undefined;

  function enqueue<T>(queue: T[], entry: T): void {
    queue.push(entry);
    if (queue.length > maxQueued) queue.shift();
  }

  async function writeQueued(): Promise<void> {
    const requestBatch = requests;
    const errorBatch = errors;
    requests = [];
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
    request: (entry) => enqueue(requests, entry),
    error: (entry) => enqueue(errors, entry),
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
