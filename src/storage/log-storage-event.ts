import type { Logger } from 'pino';
import type { LogWriterEvent } from './create-log-writer.js';

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Writes the log writer's events as log lines: one warning when writes start failing and one line
 * when they recover, however long the outage and however often the writer retried meanwhile.
 */
export function logStorageEvent(logger: Logger, event: LogWriterEvent): void {
  switch (event.kind) {
    case 'outage':
      logger.warn(
        { reason: reason(event.error) },
        'could not write log entries to the database; they are held in memory and retried',
      );
      return;
    case 'recovered': {
      const fields = { downMs: event.downMs, delayed: event.delayed, dropped: event.dropped };
      if (event.dropped > 0)
        logger.warn(fields, 'log writes to the database recovered; some entries were dropped');
      else logger.info(fields, 'log writes to the database recovered; no entry was lost');
      return;
    }
    case 'rejected':
      logger.warn(
        { rows: event.entries, reason: reason(event.error) },
        'the database refused log rows; only they were left out',
      );
      return;
    case 'dropped':
      logger.warn({ dropped: event.entries }, 'log queue full: the database is slower than the requests');
      return;
    case 'unwritten':
      logger.warn({ entries: event.entries, dropped: event.dropped }, 'log entries not written at shutdown');
      return;
  }
}
