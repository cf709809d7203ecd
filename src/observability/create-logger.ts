import { type DestinationStream, type Logger, pino } from 'pino';
import { redactUrl } from '../core/redact-url.js';

const secretHeaders = ['x-goog-api-key', 'authorization', 'x-api-key', 'cookie'];

/** The process logger: secrets in headers and URLs never reach a log line. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [...secretHeaders.map((header) => `req.headers["${header}"]`), 'apiKey', 'secret'],
        censor: '[redacted]',
      },
      serializers: {
        req: (request: { method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          method: request.method,
          url: redactUrl(request.url ?? ''),
          headers: request.headers,
        }),
      },
    },
    destination,
  );
}
