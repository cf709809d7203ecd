import type { Settings } from '../config/settings.js';
import type { StreamPolicy } from '../relay/run-generation.js';

type StreamSettingNames =
  | 'FAKE_STREAM_ENABLED'
  | 'FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS'
  | 'STREAM_OPTIMIZER_ENABLED'
  | 'STREAM_MIN_DELAY'
  | 'STREAM_MAX_DELAY'
  | 'STREAM_SHORT_TEXT_THRESHOLD'
  | 'STREAM_LONG_TEXT_THRESHOLD'
  | 'STREAM_CHUNK_SIZE';

/** FAKE_STREAM_* and STREAM_OPTIMIZER_* as the pipeline takes them, in milliseconds. */
export function streamPolicyOf(settings: Pick<Settings, StreamSettingNames>): StreamPolicy {
  return {
    ...(settings.FAKE_STREAM_ENABLED
      ? { fakeStreamIntervalMs: settings.FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS * 1000 }
      : {}),
    ...(settings.STREAM_OPTIMIZER_ENABLED
      ? {
          optimizer: {
            minDelayMs: settings.STREAM_MIN_DELAY * 1000,
            maxDelayMs: settings.STREAM_MAX_DELAY * 1000,
            shortThreshold: settings.STREAM_SHORT_TEXT_THRESHOLD,
            longThreshold: settings.STREAM_LONG_TEXT_THRESHOLD,
            chunkSize: settings.STREAM_CHUNK_SIZE,
          },
        }
      : {}),
  };
}
