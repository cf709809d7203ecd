import { createSecretScrubber } from '../core/redact-secrets.js';
import type { SseWriter } from './create-sse-writer.js';

/**
 * An SSE writer whose events never carry `secret` or a Google key in any spelling: what a stream
 * translated from Google's (its in-band error included) could otherwise quote.
 */
export function scrubSseWriter(writer: SseWriter, secret: string): SseWriter {
  const scrubber = createSecretScrubber(secret);
  return {
    write: (text) => writer.write(scrubber.text(text)),
    drained: () => writer.drained(),
    end: (text) => writer.end(text === undefined ? undefined : scrubber.text(text)),
    fail: (text) => writer.fail(scrubber.text(text)),
    get closed() {
      return writer.closed;
    },
    onClose: (listener) => writer.onClose(listener),
  };
}
