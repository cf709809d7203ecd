import type { Settings } from '../config/settings.js';
import type { StreamOptimizerSettings } from '../streaming/plan-text-pieces.js';

type OptimizerSettingNames =
  | 'STREAM_OPTIMIZER_ENABLED'
  | 'STREAM_MIN_DELAY'
  | 'STREAM_MAX_DELAY'
  | 'STREAM_SHORT_TEXT_THRESHOLD'
  | 'STREAM_LONG_TEXT_THRESHOLD'
  | 'STREAM_CHUNK_SIZE';

/** STREAM_OPTIMIZER_* in milliseconds, or undefined when the optimizer is off. */
export function streamOptimizerSettings(
  settings: Pick<Settings, OptimizerSettingNames>,
): StreamOptimizerSettings | undefined {
  if (!settings.STREAM_OPTIMIZER_ENABLED) return undefined;
  return {
    minDelayMs: settings.STREAM_MIN_DELAY * 1000,
    maxDelayMs: settings.STREAM_MAX_DELAY * 1000,
    shortThreshold: settings.STREAM_SHORT_TEXT_THRESHOLD,
    longThreshold: settings.STREAM_LONG_TEXT_THRESHOLD,
    chunkSize: settings.STREAM_CHUNK_SIZE,
  };
}
